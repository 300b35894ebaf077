import type { GoogleGenAI } from '@google/genai';
import { LlmError } from '../core/errors.ts';
import type { CallRunner } from './gemini-calls.ts';
import type { EmbeddingTask, Usage } from './types.ts';

const EMBED_BATCH = 100;
const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export interface EmbedCall {
  model: string;
  task: EmbeddingTask;
  dimensions: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** Checks that Gemini sent one non-empty vector per text; `offset` numbers the texts in errors. */
function toVectors(embeddings: { values?: number[] }[], count: number, offset: number): Float32Array[] {
  if (embeddings.length !== count)
    throw new LlmError('llm_malformed', `Gemini returned ${embeddings.length} embeddings for ${count} texts`);
  return embeddings.map((e, j) => {
    const values = e.values;
    if (!Array.isArray(values) || values.length === 0)
      throw new LlmError('llm_malformed', `Gemini returned an empty embedding for text ${offset + j}`);
    return Float32Array.from(values);
  });
}

/** Embeds texts in batches of 100, each batch retried on its own. */
export async function embedTexts(
  ai: GoogleGenAI,
  calls: CallRunner,
  texts: string[],
  call: EmbedCall,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const spec = { kind: 'embed' as const, model: call.model, timeoutMs: call.timeoutMs, signal: call.signal };
  for (let i = 0; i < texts.length; i += EMBED_BATCH) {
    const batch = texts.slice(i, i + EMBED_BATCH);
    const vectors = await calls.withRetry(
      spec,
      async (attempt) => {
        const resp = await ai.models.embedContent({
          model: call.model,
          contents: batch,
          config: {
            taskType: call.task,
            outputDimensionality: call.dimensions,
            abortSignal: attempt.signal,
            httpOptions: { fetch: attempt.fetch },
          },
        });
        return toVectors(resp.embeddings ?? [], batch.length, i);
      },
      () => ZERO_USAGE,
    );
    out.push(...vectors);
  }
  return out;
}

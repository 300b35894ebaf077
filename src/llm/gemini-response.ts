import type { GenerateContentResponse } from '@google/genai';
import { LlmError } from '../core/errors.ts';
import type { FunctionCall, GenerateResult, Grounding, Part, Usage } from './types.ts';

const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
type Candidate = NonNullable<GenerateContentResponse['candidates']>[number];

/** Gemini's usage metadata as our Usage; thinking tokens count as output. */
export function toUsage(meta: GenerateContentResponse['usageMetadata']): Usage {
  if (!meta) return { ...ZERO_USAGE };
  const input = meta.promptTokenCount ?? 0;
  // Thinking tokens are billed as output.
  const output = (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0);
  const usage: Usage = {
    inputTokens: input,
    outputTokens: output,
    totalTokens: meta.totalTokenCount ?? input + output,
  };
  // Cached tokens are part of promptTokenCount; they are only billed at a lower price.
  const cached = meta.cachedContentTokenCount ?? 0;
  if (cached > 0) usage.cachedTokens = cached;
  return usage;
}

/** Adds a candidate's search sources, successfully read URLs and search queries to `into`. */
function mergeGrounding(into: Grounding | undefined, cand: Candidate): Grounding | undefined {
  const gm = cand.groundingMetadata;
  const um = cand.urlContextMetadata;
  if (!gm && !um) return into;
  const out: Grounding = into ?? { sources: [], queries: [] };
  const seen = new Set(out.sources.map((s) => s.uri));
  for (const chunk of gm?.groundingChunks ?? []) {
    const uri = chunk.web?.uri;
    if (uri && !seen.has(uri)) {
      seen.add(uri);
      out.sources.push(chunk.web?.title ? { title: chunk.web.title, uri } : { uri });
    }
  }
  for (const meta of um?.urlMetadata ?? []) {
    const uri = meta.retrievedUrl;
    const okStatus = !meta.urlRetrievalStatus || meta.urlRetrievalStatus === 'URL_RETRIEVAL_STATUS_SUCCESS';
    if (uri && okStatus && !seen.has(uri)) {
      seen.add(uri);
      out.sources.push({ uri });
    }
  }
  for (const q of gm?.webSearchQueries ?? []) if (!out.queries.includes(q)) out.queries.push(q);
  return out.sources.length > 0 || out.queries.length > 0 ? out : into;
}

function toFunctionCalls(parts: Part[]): FunctionCall[] {
  const calls: FunctionCall[] = [];
  for (const p of parts) {
    if (!('functionCall' in p)) continue;
    const fc = p.functionCall as Partial<FunctionCall> | undefined;
    if (!fc || typeof fc.name !== 'string' || !fc.name)
      throw new LlmError('llm_malformed', 'Gemini returned a function call without a name');
    const args = fc.args && typeof fc.args === 'object' && !Array.isArray(fc.args) ? fc.args : {};
    calls.push(fc.id ? { id: fc.id, name: fc.name, args } : { name: fc.name, args });
  }
  return calls;
}

/** The visible text; text written before and after code the model ran is two paragraphs, not one run-on line. */
function textOf(parts: Part[]): string {
  let text = '';
  let gap = false;
  for (const p of parts) {
    if ('text' in p && typeof p.text === 'string') {
      if (p.thought || !p.text) continue;
      text += gap && text && !/\s$/.test(text) && !/^\s/.test(p.text) ? `\n\n${p.text}` : p.text;
      gap = false;
    } else if ('executableCode' in p || 'codeExecutionResult' in p || 'inlineData' in p) {
      gap = true;
    }
  }
  return text;
}

function buildResult(
  parts: Part[],
  usage: Usage,
  finishReason: string | undefined,
  grounding: Grounding | undefined,
): GenerateResult {
  const result: GenerateResult = {
    content: { role: 'model', parts },
    text: textOf(parts),
    functionCalls: toFunctionCalls(parts),
    usage,
  };
  if (finishReason) result.finishReason = finishReason;
  if (grounding) result.grounding = grounding;
  return result;
}

/** A whole (non-streamed) response as our result; the model turn is kept verbatim. */
export function toResult(resp: GenerateContentResponse): GenerateResult {
  const cand = resp.candidates?.[0];
  const parts = ((cand?.content?.parts ?? []) as Part[]).map((p) => ({ ...p }));
  const finish = cand?.finishReason ?? resp.promptFeedback?.blockReason;
  return buildResult(
    parts,
    toUsage(resp.usageMetadata),
    finish ? String(finish) : undefined,
    cand ? mergeGrounding(undefined, cand) : undefined,
  );
}

/** Accumulates streamed chunks into one model turn: adjacent text parts merge, signatures stay on their part. */
export class StreamAccumulator {
  parts: Part[] = [];
  usage: Usage = { ...ZERO_USAGE };
  finishReason: string | undefined;
  grounding: Grounding | undefined;
  /** Visible text was shown and did not end in white space; a code part came since the last text. */
  private shown = false;
  private afterCode = false;

  /** Adds a chunk and returns the visible text deltas it carried. */
  add(chunk: GenerateContentResponse): string[] {
    if (chunk.usageMetadata) this.usage = toUsage(chunk.usageMetadata);
    const cand = chunk.candidates?.[0];
    if (!cand) {
      const blocked = chunk.promptFeedback?.blockReason;
      if (blocked) this.finishReason = String(blocked);
      return [];
    }
    if (cand.finishReason) this.finishReason = String(cand.finishReason);
    this.grounding = mergeGrounding(this.grounding, cand);
    const deltas: string[] = [];
    for (const raw of (cand.content?.parts ?? []) as Part[]) {
      if ('text' in raw && typeof raw.text === 'string') {
        // Text after code the model ran starts a new paragraph of the preview too (as in the final `text`).
        if (!raw.thought && raw.text && this.afterCode && this.shown && !/^\s/.test(raw.text)) deltas.push('\n\n');
        this.addText(raw);
        if (!raw.thought && raw.text) {
          deltas.push(raw.text);
          this.shown = !/\s$/.test(raw.text);
          this.afterCode = false;
        }
      } else {
        if ('executableCode' in raw || 'codeExecutionResult' in raw || 'inlineData' in raw) this.afterCode = true;
        this.parts.push(raw);
      }
    }
    return deltas;
  }

  private addText(raw: Extract<Part, { text: string }>): void {
    const last = this.parts[this.parts.length - 1];
    const sameKind = last && 'text' in last && Boolean(last.thought) === Boolean(raw.thought) && !last.thoughtSignature;
    if (sameKind) {
      last.text += raw.text;
      if (raw.thoughtSignature) last.thoughtSignature = raw.thoughtSignature;
    } else {
      this.parts.push({ ...raw });
    }
  }

  result(): GenerateResult {
    return buildResult(this.parts, this.usage, this.finishReason, this.grounding);
  }
}

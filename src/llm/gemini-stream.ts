import type { Content as GContent, GoogleGenAI } from '@google/genai';
import { startAttempt } from './gemini-attempt.ts';
import type { CallRunner, CallSpec } from './gemini-calls.ts';
import { buildConfig } from './gemini-request.ts';
import { StreamAccumulator } from './gemini-response.ts';
import type { GenerateRequest, StreamChunk } from './types.ts';

/**
 * Streams one generation: text deltas as they arrive, then the whole result. An attempt that failed before any text
 * was shown is retried; once the user has seen output it never is.
 */
export async function* streamGeneration(
  ai: GoogleGenAI,
  calls: CallRunner,
  req: GenerateRequest,
  timeoutMs: number,
): AsyncGenerator<StreamChunk> {
  const spec: CallSpec = { kind: 'stream', model: req.model, timeoutMs, signal: req.signal, accountTo: req.accountTo };
  const started = performance.now();
  for (let attemptNo = 1; ; attemptNo++) {
    const attempt = startAttempt(timeoutMs, req.signal);
    let produced = false;
    try {
      const iter = await ai.models.generateContentStream({
        model: req.model,
        contents: req.contents as GContent[],
        config: buildConfig(req, attempt),
      });
      const acc = new StreamAccumulator();
      for await (const chunk of iter) {
        attempt.touch();
        for (const text of acc.add(chunk)) {
          produced = true;
          yield { type: 'text-delta', text };
        }
      }
      attempt.completed();
      const result = acc.result();
      calls.record(spec, started, attemptNo, { usage: result.usage });
      yield { type: 'done', result };
      return;
    } catch (err) {
      const failure = calls.classify(err, attempt, spec);
      // Never retry once the user has seen output: a second attempt would repeat or contradict it.
      if (!produced && (await calls.shouldRetry(spec, attemptNo, failure))) continue;
      calls.record(spec, started, attemptNo, { error: failure.error });
      throw failure.error;
    } finally {
      attempt.dispose();
    }
  }
}

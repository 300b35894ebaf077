import type { Content as GContent, GoogleGenAI } from '@google/genai';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { type LlmCallRecord, createCallRunner } from './gemini-calls.ts';
import { embedTexts } from './gemini-embed.ts';
import { buildConfig } from './gemini-request.ts';
import { toResult } from './gemini-response.ts';
import { streamGeneration } from './gemini-stream.ts';
import type { RetryPolicy } from './retry.ts';
import type { Llm } from './types.ts';

export type { LlmCallRecord } from './gemini-calls.ts';

export interface GeminiOptions {
  apiKey: string;
  /** Override for tests and proxies, e.g. http://127.0.0.1:PORT. */
  baseUrl?: string;
  /** Per-attempt timeout in ms (for streams: the longest silence between chunks). */
  defaultTimeoutMs: number;
  retry: RetryPolicy;
  clock: Clock;
  log: Logger;
  embeddingModel?: string;
  /** Called after every call (success or failure). Must not throw; errors are logged and ignored. */
  onUsage?: (record: LlmCallRecord) => void;
  /** Jitter source, injectable for deterministic tests. */
  random?: () => number;
}

/**
 * The Gemini adapter (the only importer of @google/genai). The SDK's own retries stay off: we retry 408/429/5xx and
 * network errors with backoff that honours Retry-After (header or RetryInfo), sleeping on the injected clock.
 * The SDK (with google-auth-library and ws, ~20 MB of an idle process) is loaded on the first call, not at start.
 */
export function createGeminiLlm(options: GeminiOptions): Llm {
  const embeddingModel = options.embeddingModel ?? 'gemini-embedding-001';
  const httpOptions: { apiVersion: string; baseUrl?: string } = { apiVersion: 'v1beta' };
  if (options.baseUrl) httpOptions.baseUrl = options.baseUrl;
  let sdk: Promise<GoogleGenAI> | undefined;
  const client = (): Promise<GoogleGenAI> => {
    sdk ??= import('@google/genai').then(({ GoogleGenAI }) => new GoogleGenAI({ apiKey: options.apiKey, httpOptions }));
    return sdk;
  };
  const calls = createCallRunner({
    clock: options.clock,
    log: options.log,
    retry: options.retry,
    random: options.random ?? Math.random,
    ...(options.onUsage ? { onUsage: options.onUsage } : {}),
  });

  return {
    async generate(req) {
      const ai = await client();
      const spec = {
        kind: 'generate' as const,
        model: req.model,
        timeoutMs: req.timeoutMs ?? options.defaultTimeoutMs,
        signal: req.signal,
        accountTo: req.accountTo,
      };
      return calls.withRetry(
        spec,
        async (attempt) =>
          toResult(
            await ai.models.generateContent({
              model: req.model,
              contents: req.contents as GContent[],
              config: buildConfig(req, attempt),
            }),
          ),
        (r) => r.usage,
      );
    },
    async *stream(req) {
      yield* streamGeneration(await client(), calls, req, req.timeoutMs ?? options.defaultTimeoutMs);
    },
    embed: async (texts, { task, dimensions = 768, signal }) =>
      embedTexts(await client(), calls, texts, {
        model: embeddingModel,
        task,
        dimensions,
        timeoutMs: options.defaultTimeoutMs,
        signal,
      }),
  };
}

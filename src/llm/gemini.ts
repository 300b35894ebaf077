import {
  ApiError,
  type Content as GContent,
  type GenerateContentConfig,
  type GenerateContentResponse,
  GoogleGenAI,
  type Tool as GTool,
} from '@google/genai';
import type { Clock } from '../core/clock.ts';
import { LlmError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type RetryPolicy, backoffDelay, parseRetryAfter, retryInfoDelay } from './retry.ts';
import type {
  FunctionCall,
  GenerateRequest,
  GenerateResult,
  Grounding,
  Llm,
  Part,
  StreamChunk,
  Usage,
} from './types.ts';

/** One provider call, for usage accounting. `ok: false` calls carry the error code and zero usage. */
export interface LlmCallRecord {
  model: string;
  kind: 'generate' | 'stream' | 'embed';
  usage: Usage;
  ms: number;
  ok: boolean;
  error?: string;
  attempts: number;
}

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

const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
const EMBED_BATCH = 100;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Per-attempt plumbing: our abort controller (caller abort + timeout) and a fetch that remembers Retry-After. */
interface Attempt {
  signal: AbortSignal;
  fetch: typeof fetch;
  retryAfterHeader: string | null;
  timedOut: boolean;
  /** Restarts the timeout (streams: called on every chunk). */
  touch(): void;
  dispose(): void;
}

function startAttempt(timeoutMs: number, caller: AbortSignal | undefined): Attempt {
  const ac = new AbortController();
  const onCallerAbort = () => ac.abort(caller?.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const attempt: Attempt = {
    signal: ac.signal,
    retryAfterHeader: null,
    timedOut: false,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (!res.ok) attempt.retryAfterHeader = res.headers.get('retry-after');
      return res;
    },
    touch() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        attempt.timedOut = true;
        ac.abort(new Error('timeout'));
      }, timeoutMs);
    },
    dispose() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
      // Frees the connection when a stream is abandoned; a no-op after a completed request.
      if (!ac.signal.aborted) ac.abort(new Error('disposed'));
    },
  };
  if (caller?.aborted) ac.abort(caller.reason);
  attempt.touch();
  return attempt;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Extracts a short human message from an ApiError whose message is the JSON error body. */
function apiErrorDetails(err: ApiError): { message: string; body: unknown } {
  const raw = err.message;
  const start = raw.indexOf('{');
  const body = start >= 0 ? parseJson(raw.slice(start)) : undefined;
  const inner = (body as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  const message = typeof inner?.message === 'string' ? inner.message : raw.slice(0, 200);
  const status = typeof inner?.status === 'string' ? ` ${inner.status}` : '';
  return { message: `${message.slice(0, 300)}${status ? ` (${status.trim()})` : ''}`, body };
}

const NETWORK_ERROR =
  /fetch failed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket|other side closed|terminated|network/i;

/** Maps anything thrown by the SDK to an LlmError; `retryable` says whether another attempt may help. */
function classify(
  err: unknown,
  attempt: Attempt,
  caller: AbortSignal | undefined,
  timeoutMs: number,
  nowMs: number,
): { error: LlmError; retryable: boolean } {
  if (err instanceof LlmError) return { error: err, retryable: false };
  if (caller?.aborted)
    return { error: new LlmError('llm_aborted', 'The model call was cancelled', { cause: err }), retryable: false };
  if (attempt.timedOut)
    return {
      error: new LlmError('llm_timeout', `Gemini did not respond within ${Math.round(timeoutMs / 1000)} s`, {
        cause: err,
      }),
      retryable: false,
    };
  if (err instanceof ApiError) {
    const { message, body } = apiErrorDetails(err);
    const status = err.status;
    const retryAfterMs = parseRetryAfter(attempt.retryAfterHeader, nowMs) ?? retryInfoDelay(body);
    const opts = { cause: err, status, retryAfterMs };
    const retryable = RETRYABLE_STATUS.has(status);
    if (status === 429)
      return { error: new LlmError('llm_rate_limited', `Gemini rate limit (429): ${message}`, opts), retryable };
    if (status === 401 || status === 403)
      return { error: new LlmError('llm_auth', `Gemini refused the API key (${status}): ${message}`, opts), retryable };
    if (status === 408 || status >= 500)
      return { error: new LlmError('llm_unavailable', `Gemini unavailable (${status}): ${message}`, opts), retryable };
    return {
      error: new LlmError('llm_bad_request', `Gemini rejected the request (${status}): ${message}`, opts),
      retryable,
    };
  }
  const e = toError(err);
  const causeMessage = e.cause instanceof Error ? ` ${e.cause.message}` : '';
  if (e.name === 'AbortError' || e.name === 'TimeoutError')
    return {
      error: new LlmError('llm_timeout', 'Gemini request was aborted before it completed', { cause: e }),
      retryable: false,
    };
  if (/Incomplete JSON segment|exception parsing stream chunk|Unexpected token|JSON/.test(e.message))
    return {
      error: new LlmError('llm_malformed', `Gemini sent a malformed response: ${e.message.slice(0, 200)}`, {
        cause: e,
      }),
      retryable: false,
    };
  if (e instanceof TypeError || NETWORK_ERROR.test(e.message + causeMessage))
    return {
      error: new LlmError('llm_unavailable', `Cannot reach Gemini: ${e.message}${causeMessage}`, { cause: e }),
      retryable: true,
    };
  return { error: new LlmError('llm_unavailable', `Gemini call failed: ${e.message}`, { cause: e }), retryable: false };
}

function toUsage(meta: GenerateContentResponse['usageMetadata']): Usage {
  if (!meta) return { ...ZERO_USAGE };
  const input = meta.promptTokenCount ?? 0;
  // Thinking tokens are billed as output.
  const output = (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0);
  return { inputTokens: input, outputTokens: output, totalTokens: meta.totalTokenCount ?? input + output };
}

function mergeGrounding(
  into: Grounding | undefined,
  cand: NonNullable<GenerateContentResponse['candidates']>[number],
): Grounding | undefined {
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

function textOf(parts: Part[]): string {
  let text = '';
  for (const p of parts) if ('text' in p && !p.thought && typeof p.text === 'string') text += p.text;
  return text;
}

/** Accumulates streamed chunks into one model turn: adjacent text parts merge, signatures stay on their part. */
class StreamAccumulator {
  parts: Part[] = [];
  usage: Usage = { ...ZERO_USAGE };
  finishReason: string | undefined;
  grounding: Grounding | undefined;

  /** Adds a chunk and returns the visible text deltas it carried. */
  add(chunk: GenerateContentResponse): string[] {
    const deltas: string[] = [];
    if (chunk.usageMetadata) this.usage = toUsage(chunk.usageMetadata);
    const cand = chunk.candidates?.[0];
    if (!cand) {
      const blocked = chunk.promptFeedback?.blockReason;
      if (blocked) this.finishReason = String(blocked);
      return deltas;
    }
    if (cand.finishReason) this.finishReason = String(cand.finishReason);
    this.grounding = mergeGrounding(this.grounding, cand);
    for (const raw of (cand.content?.parts ?? []) as Part[]) {
      if ('text' in raw && typeof raw.text === 'string') {
        const last = this.parts[this.parts.length - 1];
        const sameKind =
          last && 'text' in last && Boolean(last.thought) === Boolean(raw.thought) && !last.thoughtSignature;
        if (sameKind) {
          last.text += raw.text;
          if (raw.thoughtSignature) last.thoughtSignature = raw.thoughtSignature;
        } else {
          this.parts.push({ ...raw });
        }
        if (!raw.thought && raw.text) deltas.push(raw.text);
      } else {
        this.parts.push(raw);
      }
    }
    return deltas;
  }

  result(): GenerateResult {
    return buildResult(this.parts, this.usage, this.finishReason, this.grounding);
  }
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

function toResult(resp: GenerateContentResponse): GenerateResult {
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

function buildConfig(req: GenerateRequest, attempt: Attempt): GenerateContentConfig {
  const config: GenerateContentConfig = { abortSignal: attempt.signal, httpOptions: { fetch: attempt.fetch } };
  if (req.system) config.systemInstruction = req.system;
  if (req.temperature !== undefined) config.temperature = req.temperature;
  if (req.maxOutputTokens !== undefined) config.maxOutputTokens = req.maxOutputTokens;
  const tools: GTool[] = [];
  if (req.tools && req.tools.length > 0)
    tools.push({
      functionDeclarations: req.tools.map((t) => ({
        name: t.name,
        description: t.description,
        parametersJsonSchema: t.parameters,
      })),
    });
  for (const b of req.builtinTools ?? []) tools.push(b === 'google_search' ? { googleSearch: {} } : { urlContext: {} });
  if (tools.length > 0) config.tools = tools;
  return config;
}

/**
 * The Gemini adapter (the only importer of @google/genai). The SDK's own retries stay off: we retry 408/429/5xx and
 * network errors with backoff that honours Retry-After (header or RetryInfo), sleeping on the injected clock.
 */
export function createGeminiLlm(options: GeminiOptions): Llm {
  const { clock, log, retry } = options;
  const random = options.random ?? Math.random;
  const embeddingModel = options.embeddingModel ?? 'gemini-embedding-001';
  const httpOptions: { apiVersion: string; baseUrl?: string } = { apiVersion: 'v1beta' };
  if (options.baseUrl) httpOptions.baseUrl = options.baseUrl;
  const ai = new GoogleGenAI({ apiKey: options.apiKey, httpOptions });
  const maxAttempts = Math.max(1, retry.maxAttempts);

  function record(rec: LlmCallRecord): void {
    if (!options.onUsage) return;
    try {
      options.onUsage(rec);
    } catch (err) {
      log.warn({ err: toError(err) }, 'usage recorder failed');
    }
  }

  /** Waits before the next attempt, or returns false when the error should be thrown now. */
  async function shouldRetry(
    kind: LlmCallRecord['kind'],
    model: string,
    attemptNo: number,
    failure: { error: LlmError; retryable: boolean },
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (!failure.retryable || attemptNo >= maxAttempts) return false;
    const delay = backoffDelay(attemptNo, retry, failure.error.retryAfterMs, random);
    if (delay === undefined) return false;
    log.warn(
      { model, kind, attempt: attemptNo, code: failure.error.code, status: failure.error.status, delayMs: delay },
      'gemini call failed, retrying',
    );
    try {
      await clock.sleep(delay, signal);
    } catch {
      throw new LlmError('llm_aborted', 'The model call was cancelled', { cause: failure.error });
    }
    return true;
  }

  async function withRetry<T>(
    kind: LlmCallRecord['kind'],
    model: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    call: (attempt: Attempt) => Promise<T>,
    usageOf: (value: T) => Usage,
  ): Promise<T> {
    const started = performance.now();
    for (let attemptNo = 1; ; attemptNo++) {
      const attempt = startAttempt(timeoutMs, signal);
      try {
        const value = await call(attempt);
        record({ model, kind, usage: usageOf(value), ms: performance.now() - started, ok: true, attempts: attemptNo });
        return value;
      } catch (err) {
        const failure = classify(err, attempt, signal, timeoutMs, clock.now());
        if (await shouldRetry(kind, model, attemptNo, failure, signal)) continue;
        record({
          model,
          kind,
          usage: ZERO_USAGE,
          ms: performance.now() - started,
          ok: false,
          error: failure.error.code,
          attempts: attemptNo,
        });
        throw failure.error;
      } finally {
        attempt.dispose();
      }
    }
  }

  return {
    generate(req) {
      const timeoutMs = req.timeoutMs ?? options.defaultTimeoutMs;
      return withRetry(
        'generate',
        req.model,
        timeoutMs,
        req.signal,
        async (attempt) => {
          const resp = await ai.models.generateContent({
            model: req.model,
            contents: req.contents as GContent[],
            config: buildConfig(req, attempt),
          });
          return toResult(resp);
        },
        (r) => r.usage,
      );
    },

    async *stream(req): AsyncGenerator<StreamChunk> {
      const timeoutMs = req.timeoutMs ?? options.defaultTimeoutMs;
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
          const result = acc.result();
          record({
            model: req.model,
            kind: 'stream',
            usage: result.usage,
            ms: performance.now() - started,
            ok: true,
            attempts: attemptNo,
          });
          yield { type: 'done', result };
          return;
        } catch (err) {
          const failure = classify(err, attempt, req.signal, timeoutMs, clock.now());
          // Never retry once the user has seen output: a second attempt would repeat or contradict it.
          if (!produced && (await shouldRetry('stream', req.model, attemptNo, failure, req.signal))) continue;
          record({
            model: req.model,
            kind: 'stream',
            usage: ZERO_USAGE,
            ms: performance.now() - started,
            ok: false,
            error: failure.error.code,
            attempts: attemptNo,
          });
          throw failure.error;
        } finally {
          attempt.dispose();
        }
      }
    },

    async embed(texts, { task, dimensions = 768, signal }) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) {
        const batch = texts.slice(i, i + EMBED_BATCH);
        const vectors = await withRetry(
          'embed',
          embeddingModel,
          options.defaultTimeoutMs,
          signal,
          async (attempt) => {
            const resp = await ai.models.embedContent({
              model: embeddingModel,
              contents: batch,
              config: {
                taskType: task,
                outputDimensionality: dimensions,
                abortSignal: attempt.signal,
                httpOptions: { fetch: attempt.fetch },
              },
            });
            const embeddings = resp.embeddings ?? [];
            if (embeddings.length !== batch.length)
              throw new LlmError(
                'llm_malformed',
                `Gemini returned ${embeddings.length} embeddings for ${batch.length} texts`,
              );
            return embeddings.map((e, j) => {
              const values = e.values;
              if (!Array.isArray(values) || values.length === 0)
                throw new LlmError('llm_malformed', `Gemini returned an empty embedding for text ${i + j}`);
              return Float32Array.from(values);
            });
          },
          () => ZERO_USAGE,
        );
        out.push(...vectors);
      }
      return out;
    },
  };
}

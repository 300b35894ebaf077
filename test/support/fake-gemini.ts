/**
 * A fake of the Gemini API (generativelanguage.googleapis.com) on a real `node:http` server.
 * The real SDK talks to it via
 * `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: gemini.baseUrl, apiVersion: 'v1beta' } })`.
 *
 * Replies are scripted (FIFO queues, targeted queues, a request-driven handler); embeddings are
 * deterministic bag-of-words hashes, so texts sharing words are similar and unrelated texts are not. A test can
 * make paraphrases land close, as real embeddings do, with concept groups (`setEmbeddingConcepts`: listed words
 * count as one shared concept) or explicit vectors for given texts (`setEmbedding`).
 * Requests are validated the way the real API does for common agent-loop bugs (empty contents, bad
 * roles, empty parts, function call/response count mismatch, dropped thought signatures, code-execution parts echoed
 * back with a bad shape). A reply may run code with the built-in `codeExecution` tool (`Reply.codeExecution`): the
 * response then carries `executableCode`, `codeExecutionResult` and `inlineData` parts as the REST API does.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Content, Part } from '@google/genai';
import { clientGone, closeServer, delay, isRecord, listen, readBody, sendJson } from './http-util.ts';
import { type Ready, waitUntil } from './wait.ts';

export const DEFAULT_GEMINI_KEY = 'test-gemini-key';
export const NO_SCRIPTED_REPLY = '(fake gemini: no scripted reply)';
export const DEFAULT_EMBEDDING_DIMENSIONS = 768;

export interface ReplyError {
  status: number;
  message?: string;
  retryAfterSeconds?: number;
}

/** One run of the built-in code execution tool, as the model did it. */
export interface CodeStep {
  /** The Python the model wrote (`executableCode.code`; language `PYTHON`). */
  code: string;
  /** `codeExecutionResult.outcome` (default OUTCOME_OK). */
  outcome?: 'OUTCOME_OK' | 'OUTCOME_FAILED' | 'OUTCOME_DEADLINE_EXCEEDED';
  /** stdout when it succeeded, else stderr (`codeExecutionResult.output`). */
  output?: string;
  /** Files the code produced (a Matplotlib figure): one `inlineData` part each, base64 like the real API. */
  files?: { mimeType: string; data: Uint8Array }[];
}

export interface Reply {
  text?: string;
  /**
   * Code the model ran with the `codeExecution` tool, before `text` (after `preamble`): per step an `executableCode`
   * part, its `codeExecutionResult`, then one `inlineData` part per file, as the real API returns them (one stream
   * event each). A request that did not enable the `codeExecution` tool gets an error instead: no model runs code
   * without it.
   */
  codeExecution?: CodeStep[];
  /** Text the model writes before its code. */
  preamble?: string;
  /** Stream: one SSE event per chunk. Non-stream: joined. */
  chunks?: string[];
  functionCalls?: { name: string; args?: Record<string, unknown>; id?: string }[];
  /**
   * Put on the first functionCall part (or the last text part when there are no calls). For function
   * calls a signature is generated when omitted; pass '' for none.
   */
  thoughtSignature?: string;
  finishReason?: string;
  /** Usage metadata to report (default: ~4 characters a token); `cachedContentTokenCount` is part of the prompt. */
  usage?: { promptTokenCount?: number; candidatesTokenCount?: number; cachedContentTokenCount?: number };
  groundingMetadata?: object;
  error?: ReplyError;
  /** Wait this long before answering at all (aborts cleanly when the client disconnects). */
  hangMs?: number;
  /** Non-stream: wait before the response. Stream: wait before each event. */
  delayMs?: number;
}

export type RequestKind = 'generate' | 'stream' | 'embed' | 'countTokens';

/**
 * A fault for the next request of one kind, applied before anything else (key checked, body parsed):
 * an HTTP error status, a reset connection, or a stall of `ms` before answering normally (a client timeout).
 */
export type InjectedFault =
  | { type: 'status'; status: number; message?: string }
  | { type: 'reset' }
  | { type: 'hang'; ms: number };

export interface RecordedRequest {
  kind: RequestKind;
  /** Model id without the `models/` prefix. */
  model: string;
  apiVersion: string;
  body: Record<string, unknown>;
  /** Joined text of `systemInstruction`. */
  systemText: string;
  contents: Content[];
  toolNames: string[];
  /** Joined text parts of the last user turn that has text (function-response turns are skipped). */
  lastUserText: string;
  /** Embedding requests: the text of each item. */
  texts: string[];
  headers: Record<string, string>;
  at: number;
  /** HTTP status the fake answered with (0 while in flight or if the client went away). */
  status: number;
  /** The fault injected with `faultNext`, if any: `status 503`, `reset` or `hang`. */
  fault?: string;
}

export interface ReplyMatch {
  model?: string;
  systemIncludes?: string;
  lastUserIncludes?: string;
  toolName?: string;
}

export type ReplyHandler = (req: RecordedRequest) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeGeminiOptions {
  apiKey?: string;
  /**
   * Reject current-turn function calls echoed back without the thought signature this fake issued,
   * as the real API does for Gemini 3 models. 'gemini-3' (default): only for models whose id starts
   * with `gemini-3`; true: every model (Gemini 2.5 itself only degrades quality); false: never.
   */
  enforceThoughtSignatures?: boolean | 'gemini-3';
}

export interface FakeGemini {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  enqueue(...replies: Reply[]): void;
  enqueueFor(match: ReplyMatch, ...replies: Reply[]): void;
  setHandler(handler: ReplyHandler | undefined): void;
  failNext(n: number, error: ReplyError): void;
  failEmbeddings(on: boolean | { status: number; message?: string }): void;
  /**
   * Words of one group count as the same concept in embeddings (e.g. ['born', 'hometown', 'birthplace']), with
   * `weight` (default 2) times a plain word's weight, so "I was born in Lisbon" and "where is my hometown?" are
   * close (cosine ≈ 0.7) though they share no word. Replaces earlier groups; [] restores plain bag-of-words.
   */
  setEmbeddingConcepts(groups: string[][], options?: { weight?: number }): void;
  /** The embedding of exactly this text (trimmed, case-insensitive) is `values` (normalised); undefined removes it. */
  setEmbedding(text: string, values: number[] | undefined): void;
  /** Injects `fault` into the next `times` requests of `kind` (recorded with `fault` set). */
  faultNext(kind: RequestKind, fault: InjectedFault, times?: number): void;
  /** Drops the faults `faultNext` queued and no request took yet. */
  clearFaults(): void;
  /** Scripted replies not consumed yet (general + targeted). */
  pendingReplies(): number;
  generateCalls(): RecordedRequest[];
  embedCalls(): RecordedRequest[];
  /** Clears the request log only. */
  clear(): void;
  /** Clears log, queues, handler and injected failures. */
  reset(): void;
  waitFor<T>(fn: () => Ready<T>, options?: { timeoutMs?: number; label?: string }): Promise<T>;
  waitForRequests(
    count: number,
    options?: { kind?: RequestKind | 'generateOrStream'; timeoutMs?: number },
  ): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

// ------------------------------------------------------------------ embeddings

const STOP_WORDS = new Set(['the', 'a', 'an', 'is', 'to', 'of', 'and', 'in', 'i', 'my', 'me', 'you', 'it']);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function embeddingWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '' && !STOP_WORDS.has(w));
}

/** Concept of a word in embeddings: a shared token and its weight (see `FakeGemini.setEmbeddingConcepts`). */
export type EmbeddingConcepts = Map<string, { token: string; weight: number }>;

/**
 * Deterministic unit vector: each word hashed into 4 signed buckets, summed, L2-normalised. A word listed in
 * `concepts` contributes its concept's token (with the concept's weight) instead of itself.
 */
export function fakeEmbedding(
  text: string,
  dimensions = DEFAULT_EMBEDDING_DIMENSIONS,
  concepts?: EmbeddingConcepts,
): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const w of embeddingWords(text)) {
    const concept = concepts?.get(w);
    const word = concept ? concept.token : w;
    const weight = concept ? concept.weight : 1;
    for (let k = 0; k < 4; k++) {
      const h = fnv1a(`${k}:${word}`);
      const index = h % dimensions;
      const sign = fnv1a(`sign${k}:${word}`) & 1 ? 1 : -1;
      v[index] = (v[index] ?? 0) + sign * weight;
    }
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    v[0] = 1;
    return v;
  }
  return v.map((x) => x / norm);
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

// ------------------------------------------------------------------ helpers

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

function sendGoogleError(res: ServerResponse, error: ReplyError): void {
  const status = error.status;
  const retryAfter = error.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  const body: { error: Record<string, unknown> } = {
    error: {
      code: status,
      message: error.message ?? DEFAULT_MESSAGES[status] ?? `Error ${status}`,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
    },
  };
  if (status === 429 && retryAfter !== undefined) {
    body.error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` }];
  }
  sendJson(res, status, body, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {});
}

function partsOf(content: unknown): Record<string, unknown>[] {
  if (!isRecord(content) || !Array.isArray(content.parts)) return [];
  return content.parts.filter(isRecord);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return partsOf(content)
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function charsOf(contents: unknown[]): number {
  let n = 0;
  for (const c of contents) {
    if (typeof c === 'string') {
      n += c.length;
      continue;
    }
    for (const p of partsOf(c)) {
      if (typeof p.text === 'string') n += p.text.length;
      if (p.functionCall !== undefined) n += JSON.stringify(p.functionCall).length;
      if (p.functionResponse !== undefined) n += JSON.stringify(p.functionResponse).length;
      if (p.executableCode !== undefined) n += JSON.stringify(p.executableCode).length;
      if (p.codeExecutionResult !== undefined) n += JSON.stringify(p.codeExecutionResult).length;
    }
  }
  return n;
}

const tokens = (chars: number): number => Math.ceil(chars / 4);

class BadRequest extends Error {}

const OUTCOMES = new Set(['OUTCOME_UNSPECIFIED', 'OUTCOME_OK', 'OUTCOME_FAILED', 'OUTCOME_DEADLINE_EXCEEDED']);

/** Code-execution parts echoed back in history must keep the API's shape (enum values, required fields). */
function validateCodePart(part: Record<string, unknown>, at: string): void {
  const code = part.executableCode;
  if (code !== undefined) {
    if (!isRecord(code) || typeof code.code !== 'string')
      throw new BadRequest(`* GenerateContentRequest.${at}.executable_code.code: required field not set\n`);
    if (code.language !== 'PYTHON' && code.language !== 'LANGUAGE_UNSPECIFIED')
      throw new BadRequest(
        `Invalid value at '${at}.executable_code.language' (type.googleapis.com/google.ai.generativelanguage.v1beta.ExecutableCode.Language), ${JSON.stringify(code.language)}`,
      );
  }
  const result = part.codeExecutionResult;
  if (result !== undefined && (!isRecord(result) || !OUTCOMES.has(String(result.outcome))))
    throw new BadRequest(
      `Invalid value at '${at}.code_execution_result.outcome' (type.googleapis.com/google.ai.generativelanguage.v1beta.CodeExecutionResult.Outcome), ${JSON.stringify(isRecord(result) ? result.outcome : result)}`,
    );
}

/** Whether a request enables the built-in code execution tool (`tools: [{ codeExecution: {} }]`). */
export function enablesCodeExecution(body: Record<string, unknown>): boolean {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.some((t) => isRecord(t) && (isRecord(t.codeExecution) || isRecord(t.code_execution)));
}

/** The parts of scripted code runs, in the real API's order and field names. */
function codeParts(steps: CodeStep[]): Record<string, unknown>[][] {
  return steps.flatMap((step) => {
    const result: Record<string, unknown> = { outcome: step.outcome ?? 'OUTCOME_OK' };
    if (step.output !== undefined) result.output = step.output;
    return [
      [{ executableCode: { language: 'PYTHON', code: step.code } }],
      [{ codeExecutionResult: result }],
      ...(step.files ?? []).map((f) => [
        { inlineData: { mimeType: f.mimeType, data: Buffer.from(f.data).toString('base64') } },
      ]),
    ];
  });
}

/** The real API's validation of `contents`, for the mistakes agent loops typically make. */
function validateContents(contents: unknown, issuedSignatures: Map<string, string> | undefined): void {
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new BadRequest('* GenerateContentRequest.contents: contents is not specified\n');
  }
  contents.forEach((content, i) => {
    if (!isRecord(content)) throw new BadRequest(`* GenerateContentRequest.contents[${i}]: must be an object\n`);
    const role = content.role;
    if (role !== undefined && role !== 'user' && role !== 'model' && role !== 'function') {
      throw new BadRequest('Please use a valid role: user, model.');
    }
    if (partsOf(content).length === 0) {
      throw new BadRequest(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`);
    }
    partsOf(content).forEach((part, j) => {
      validateCodePart(part, `contents[${i}].parts[${j}]`);
    });
  });
  for (let i = 0; i < contents.length - 1; i++) {
    const calls = partsOf(contents[i]).filter((p) => p.functionCall !== undefined).length;
    if (calls === 0) continue;
    const responses = partsOf(contents[i + 1]).filter((p) => p.functionResponse !== undefined).length;
    if (responses !== calls) {
      throw new BadRequest(
        'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
      );
    }
  }
  if (!issuedSignatures) return;
  // The "current turn" starts after the last user content that carries text (not function responses).
  let start = 0;
  contents.forEach((c, i) => {
    if (isRecord(c) && (c.role ?? 'user') === 'user' && partsOf(c).some((p) => typeof p.text === 'string'))
      start = i + 1;
  });
  for (let i = start; i < contents.length; i++) {
    partsOf(contents[i]).forEach((part, position) => {
      const call = part.functionCall;
      if (!isRecord(call) || typeof call.id !== 'string') return;
      const expected = issuedSignatures.get(call.id);
      if (expected === undefined) return;
      if (part.thoughtSignature === undefined) {
        throw new BadRequest(
          `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(call.name)}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
        );
      }
      if (part.thoughtSignature !== expected) throw new BadRequest('Corrupted thought signature.');
    });
  }
}

// ------------------------------------------------------------------ server

export async function createFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const apiKey = options.apiKey ?? DEFAULT_GEMINI_KEY;
  const enforceSignatures = options.enforceThoughtSignatures ?? 'gemini-3';
  const enforcesFor = (model: string): boolean =>
    enforceSignatures === 'gemini-3' ? model.startsWith('gemini-3') : enforceSignatures;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = (): void => {
    events.emit('change');
  };

  const requests: RecordedRequest[] = [];
  let queue: Reply[] = [];
  let targeted: { match: ReplyMatch; replies: Reply[] }[] = [];
  let handler: ReplyHandler | undefined;
  let failures: ReplyError[] = [];
  let embeddingFailure: { status: number; message?: string } | undefined;
  let concepts: EmbeddingConcepts = new Map();
  const explicitEmbeddings = new Map<string, number[]>();
  const embeddingKey = (text: string): string => text.trim().toLowerCase();
  function embeddingOf(text: string, dims: number): number[] {
    const explicit = explicitEmbeddings.get(embeddingKey(text));
    if (!explicit) return fakeEmbedding(text, dims, concepts);
    const v = Array.from({ length: dims }, (_, i) => explicit[i] ?? 0);
    const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
    return norm === 0 ? v : v.map((x) => x / norm);
  }
  const kindFaults = new Map<RequestKind, InjectedFault[]>();
  const issuedSignatures = new Map<string, string>();
  let nextCallId = 1;
  let nextSignature = 1;
  let closed = false;

  const stripModel = (m: string): string => m.replace(/^models\//, '');

  function matches(match: ReplyMatch, req: RecordedRequest): boolean {
    if (match.model !== undefined && stripModel(match.model) !== req.model) return false;
    if (match.systemIncludes !== undefined && !req.systemText.includes(match.systemIncludes)) return false;
    if (match.lastUserIncludes !== undefined && !req.lastUserText.includes(match.lastUserIncludes)) return false;
    if (match.toolName !== undefined && !req.toolNames.includes(match.toolName)) return false;
    return true;
  }

  async function pickReply(req: RecordedRequest): Promise<Reply> {
    for (const entry of targeted) {
      if (entry.replies.length > 0 && matches(entry.match, req)) {
        const reply = entry.replies.shift();
        targeted = targeted.filter((e) => e.replies.length > 0);
        if (reply) return reply;
      }
    }
    const next = queue.shift();
    if (next) return next;
    const handled = handler ? await handler(req) : undefined;
    return handled ?? { text: NO_SCRIPTED_REPLY };
  }

  function buildResponses(reply: Reply, req: RecordedRequest, stream: boolean): Record<string, unknown>[] {
    const textChunks = reply.chunks ?? (reply.text !== undefined ? [reply.text] : []);
    const textEvents: Record<string, unknown>[][] = stream
      ? textChunks.map((t) => [{ text: t }])
      : textChunks.length > 0
        ? [[{ text: textChunks.join('') }]]
        : [];
    // Code runs come before the final text: preamble, then code / result / files, one event each when streamed.
    const codeEvents = [
      ...(reply.preamble !== undefined ? [[{ text: reply.preamble }]] : []),
      ...codeParts(reply.codeExecution ?? []),
    ];
    const callParts: Record<string, unknown>[] = (reply.functionCalls ?? []).map((fc) => {
      const id = fc.id ?? `call_${nextCallId++}_${Math.random().toString(36).slice(2, 8)}`;
      return { functionCall: { id, name: fc.name, args: fc.args ?? {} } };
    });
    const firstCall = callParts[0];
    if (firstCall) {
      const signature =
        reply.thoughtSignature ?? Buffer.from(`fake-thought-signature-${nextSignature++}`).toString('base64');
      if (signature !== '') {
        firstCall.thoughtSignature = signature;
        const call = firstCall.functionCall;
        if (isRecord(call) && typeof call.id === 'string') issuedSignatures.set(call.id, signature);
      }
    } else if (reply.thoughtSignature) {
      const last = textEvents.at(-1)?.at(-1);
      if (last) last.thoughtSignature = reply.thoughtSignature;
    }
    // Non-stream: one response with all parts. Stream: text events, then the calls in one event.
    let events: Record<string, unknown>[][];
    if (stream) {
      events = [...codeEvents, ...textEvents];
      if (callParts.length > 0) events.push(callParts);
      if (events.length === 0) events.push([]);
    } else {
      events = [[...codeEvents.flat(), ...(textEvents[0] ?? []), ...callParts]];
    }
    const outputChars =
      textChunks.join('').length +
      (reply.preamble ?? '').length +
      (reply.codeExecution ?? []).reduce((n, c) => n + c.code.length + (c.output ?? '').length, 0) +
      callParts.reduce((n, p) => n + JSON.stringify(p.functionCall).length, 0);
    const promptTokenCount = reply.usage?.promptTokenCount ?? tokens(charsOf(req.contents) + req.systemText.length);
    const candidatesTokenCount = reply.usage?.candidatesTokenCount ?? tokens(outputChars);
    const responseId = Math.random().toString(36).slice(2, 14);
    return events.map((parts, i) => {
      const last = i === events.length - 1;
      const candidate: Record<string, unknown> = { index: 0 };
      if (parts.length > 0) candidate.content = { parts, role: 'model' };
      if (last) {
        candidate.finishReason = reply.finishReason ?? 'STOP';
        if (reply.groundingMetadata !== undefined) candidate.groundingMetadata = reply.groundingMetadata;
      }
      const response: Record<string, unknown> = { candidates: [candidate], modelVersion: req.model, responseId };
      if (last) {
        response.usageMetadata = {
          promptTokenCount,
          candidatesTokenCount,
          totalTokenCount: promptTokenCount + candidatesTokenCount,
        };
        if (reply.usage?.cachedContentTokenCount !== undefined)
          (response.usageMetadata as Record<string, unknown>).cachedContentTokenCount =
            reply.usage.cachedContentTokenCount;
      }
      return response;
    });
  }

  async function handleGenerate(req: RecordedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    try {
      validateContents(req.body.contents, enforcesFor(req.model) ? issuedSignatures : undefined);
    } catch (error) {
      if (error instanceof BadRequest) return respondError(req, res, { status: 400, message: error.message });
      throw error;
    }
    const failure = failures.shift();
    if (failure) return respondError(req, res, failure);
    const reply = await pickReply(req);
    if (reply.hangMs) await delay(reply.hangMs, signal);
    if (signal.aborted || closed) return;
    if (reply.error) return respondError(req, res, reply.error);
    if (reply.codeExecution && !enablesCodeExecution(req.body))
      return respondError(req, res, {
        status: 500,
        message: 'fake gemini: code execution scripted for a request without the codeExecution tool',
      });
    const stream = req.kind === 'stream';
    const responses = buildResponses(reply, req, stream);
    if (!stream) {
      if (reply.delayMs) await delay(reply.delayMs, signal);
      if (signal.aborted) return;
      req.status = 200;
      sendJson(res, 200, responses[0]);
      changed();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    req.status = 200;
    for (const response of responses) {
      if (reply.delayMs) await delay(reply.delayMs, signal);
      if (signal.aborted || res.destroyed) return;
      res.write(`data: ${JSON.stringify(response)}\r\n\r\n`);
    }
    res.end();
    changed();
  }

  function respondError(req: RecordedRequest | undefined, res: ServerResponse, error: ReplyError): void {
    sendGoogleError(res, error);
    if (req) req.status = error.status;
    changed();
  }

  function record(
    kind: RequestKind,
    model: string,
    apiVersion: string,
    body: Record<string, unknown>,
    headers: IncomingMessage['headers'],
  ): RecordedRequest {
    const rawContents = Array.isArray(body.contents) ? body.contents : [];
    const contents: Content[] = rawContents.map(
      (c): Content => (typeof c === 'string' ? { role: 'user', parts: [{ text: c }] } : (c as Content)),
    );
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const toolNames: string[] = [];
    for (const tool of tools) {
      if (!isRecord(tool) || !Array.isArray(tool.functionDeclarations)) continue;
      for (const decl of tool.functionDeclarations)
        if (isRecord(decl) && typeof decl.name === 'string') toolNames.push(decl.name);
    }
    let lastUserText = '';
    for (const c of contents) {
      if ((c.role ?? 'user') !== 'user') continue;
      const text = textOf(c);
      if ((c.parts ?? []).some((p: Part) => typeof p.text === 'string')) lastUserText = text;
    }
    const texts: string[] = [];
    if (kind === 'embed') {
      const items = Array.isArray(body.requests) ? body.requests : body.content !== undefined ? [body] : [];
      for (const item of items) texts.push(isRecord(item) ? textOf(item.content) : '');
      lastUserText = texts.at(-1) ?? '';
    }
    const flatHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v !== undefined) flatHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const recorded: RecordedRequest = {
      kind,
      model,
      apiVersion,
      body,
      systemText: textOf(body.systemInstruction),
      contents,
      toolNames,
      lastUserText,
      texts,
      headers: flatHeaders,
      at: Date.now(),
      status: 0,
    };
    requests.push(recorded);
    changed();
    return recorded;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const signal = clientGone(res);
    const raw = await readBody(req).catch(() => undefined);
    if (raw === undefined) return;
    const m = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):([A-Za-z]+)$/.exec(url.pathname);
    const methods: Record<string, RequestKind> = {
      generateContent: 'generate',
      streamGenerateContent: 'stream',
      batchEmbedContents: 'embed',
      embedContent: 'embed',
      countTokens: 'countTokens',
    };
    const kind = m ? methods[m[3] ?? ''] : undefined;
    if (!m || !kind) {
      return sendGoogleError(res, {
        status: 404,
        message: `Requested entity was not found: ${req.method} ${url.pathname}`,
      });
    }
    if (req.method !== 'POST') return sendGoogleError(res, { status: 405, message: 'Method not allowed' });
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? '';
    if (key !== apiKey) {
      return sendGoogleError(res, {
        status: 403,
        message:
          key === ''
            ? "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
            : 'API key not valid. Please pass a valid API key.',
      });
    }
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      return sendGoogleError(res, { status: 400, message: 'Invalid JSON payload received.' });
    }
    if (!isRecord(body)) return sendGoogleError(res, { status: 400, message: 'Invalid JSON payload received.' });
    const model = decodeURIComponent(m[2] ?? '');
    const recorded = record(kind, model, m[1] ?? 'v1beta', body, req.headers);
    const fault = kindFaults.get(kind)?.shift();
    if (fault) {
      recorded.fault = fault.type === 'status' ? `status ${fault.status}` : fault.type;
      if (fault.type === 'status')
        return respondError(recorded, res, {
          status: fault.status,
          ...(fault.message ? { message: fault.message } : {}),
        });
      if (fault.type === 'reset') {
        req.socket.resetAndDestroy();
        changed();
        return;
      }
      await delay(fault.ms, signal);
      if (signal.aborted || closed) return changed();
    }

    if (kind === 'generate' || kind === 'stream') return handleGenerate(recorded, res, signal);
    if (kind === 'countTokens') {
      const inner = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
      const contents = Array.isArray(inner.contents) ? inner.contents : [];
      recorded.status = 200;
      sendJson(res, 200, { totalTokens: tokens(charsOf(contents) + textOf(inner.systemInstruction).length) });
      changed();
      return;
    }
    // Embeddings.
    if (embeddingFailure) return respondError(recorded, res, embeddingFailure);
    const single = m[3] === 'embedContent';
    const items = single ? [body] : Array.isArray(body.requests) ? body.requests : undefined;
    if (!items || items.length === 0) {
      return respondError(recorded, res, {
        status: 400,
        message: '* BatchEmbedContentsRequest.requests: requests is empty',
      });
    }
    const embeddings = items.map((item, i) => {
      const dims =
        isRecord(item) && typeof item.outputDimensionality === 'number'
          ? item.outputDimensionality
          : DEFAULT_EMBEDDING_DIMENSIONS;
      return { values: embeddingOf(recorded.texts[i] ?? '', dims) };
    });
    recorded.status = 200;
    sendJson(res, 200, single ? { embedding: embeddings[0] } : { embeddings });
    changed();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendGoogleError(res, { status: 500, message: `fake gemini crashed: ${String(error)}` });
      else res.destroy();
    });
  });
  // As the real service: idle connections stay open between calls (a 1 s hint made undici and node's agent reconnect
  // for every call, a cost no real deployment pays). close() still ends them all.
  server.keepAliveTimeout = 65_000;
  const baseUrl = await listen(server);

  const describe = (): string => {
    const recent = requests
      .slice(-10)
      .map(
        (r) => `  ${r.kind} ${r.model} -> ${r.status || 'pending'}: ${JSON.stringify(r.lastUserText.slice(0, 120))}`,
      );
    return [
      'Fake Gemini requests (recent):',
      ...(recent.length ? recent : ['  (none)']),
      `  queued replies: ${fake.pendingReplies()}`,
    ].join('\n');
  };

  const fake: FakeGemini = {
    baseUrl,
    apiKey,
    requests,
    enqueue(...replies) {
      queue.push(...replies);
    },
    enqueueFor(match, ...replies) {
      targeted.push({ match, replies: [...replies] });
    },
    setHandler(h) {
      handler = h;
    },
    failNext(n, error) {
      for (let i = 0; i < n; i++) failures.push({ ...error });
    },
    failEmbeddings(on) {
      embeddingFailure = on === false ? undefined : on === true ? { status: 503 } : { ...on };
    },
    setEmbeddingConcepts(groups, opts = {}) {
      const weight = opts.weight ?? 2;
      concepts = new Map();
      groups.forEach((group, i) => {
        for (const word of group)
          for (const w of embeddingWords(word)) concepts.set(w, { token: `concept#${i}:${group.join('|')}`, weight });
      });
    },
    setEmbedding(text, values) {
      if (values === undefined) explicitEmbeddings.delete(embeddingKey(text));
      else explicitEmbeddings.set(embeddingKey(text), [...values]);
    },
    faultNext(kind, fault, times = 1) {
      const list = kindFaults.get(kind) ?? [];
      for (let i = 0; i < times; i++) list.push({ ...fault });
      kindFaults.set(kind, list);
    },
    clearFaults() {
      kindFaults.clear();
    },
    pendingReplies() {
      return queue.length + targeted.reduce((n, e) => n + e.replies.length, 0);
    },
    generateCalls() {
      return requests.filter((r) => r.kind === 'generate' || r.kind === 'stream');
    },
    embedCalls() {
      return requests.filter((r) => r.kind === 'embed');
    },
    clear() {
      requests.length = 0;
    },
    reset() {
      requests.length = 0;
      queue = [];
      targeted = [];
      handler = undefined;
      failures = [];
      embeddingFailure = undefined;
      concepts = new Map();
      explicitEmbeddings.clear();
      kindFaults.clear();
      issuedSignatures.clear();
    },
    waitFor(fn, opts = {}) {
      return waitUntil(fn, {
        ...opts,
        subscribe: (listener) => {
          events.on('change', listener);
          return () => events.off('change', listener);
        },
        describe,
        cancelled: () => (closed ? 'fake Gemini closed' : undefined),
      });
    },
    waitForRequests(count, opts = {}) {
      const kind = opts.kind;
      const select = (): RecordedRequest[] =>
        requests.filter((r) =>
          kind === undefined
            ? true
            : kind === 'generateOrStream'
              ? r.kind === 'generate' || r.kind === 'stream'
              : r.kind === kind,
        );
      return fake.waitFor(() => (select().length >= count ? select() : undefined), {
        timeoutMs: opts.timeoutMs ?? 5000,
        label: `${count} ${kind ?? ''} request(s)`,
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      changed();
      await closeServer(server);
    },
  };
  return fake;
}

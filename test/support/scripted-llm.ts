import { LlmError } from '../../src/core/errors.ts';
import type {
  Content,
  EmbeddingTask,
  FunctionCall,
  GenerateRequest,
  GenerateResult,
  Grounding,
  Llm,
  Part,
  StreamChunk,
  Usage,
} from '../../src/llm/types.ts';

/** What the scripted model answers to one request. */
export interface ScriptedReply {
  /** The answer text (one stream delta), or `chunks` for several deltas. */
  text?: string;
  chunks?: string[];
  functionCalls?: { name: string; args?: Record<string, unknown>; id?: string }[];
  finishReason?: string;
  /** Defaults: about a token per 4 characters of input and output. */
  usage?: Partial<Usage>;
  grounding?: Grounding;
  /** Fails the call instead (an LlmError reaches the caller as is). */
  error?: Error;
}

/** One request the scripted model received, with the views tests usually assert on. */
export interface ScriptedRequest {
  kind: 'generate' | 'stream';
  request: GenerateRequest;
  model: string;
  systemText: string;
  /** A copy of the contents as sent (later changes to the caller's arrays don't show here). */
  contents: Content[];
  toolNames: string[];
  lastUserText: string;
}

/** Which requests a targeted reply is for; every given field must match. */
export interface ScriptedMatch {
  model?: string;
  systemIncludes?: string;
  lastUserIncludes?: string;
  toolName?: string;
}

function matches(match: ScriptedMatch, req: ScriptedRequest): boolean {
  if (match.model !== undefined && match.model !== req.model) return false;
  if (match.systemIncludes !== undefined && !req.systemText.includes(match.systemIncludes)) return false;
  if (match.lastUserIncludes !== undefined && !req.lastUserText.includes(match.lastUserIncludes)) return false;
  if (match.toolName !== undefined && !req.toolNames.includes(match.toolName)) return false;
  return true;
}

export type ScriptedHandler = (req: ScriptedRequest) => ScriptedReply | undefined;

/** An in-process `Llm` answering from a script: no HTTP, no SDK. For unit tests of code that talks to our Llm port. */
export interface ScriptedLlm extends Llm {
  /** Queues replies, answered in order (before the handler). */
  enqueue(...replies: ScriptedReply[]): void;
  /** Queues replies for matching requests only; they are answered before the general queue. */
  enqueueFor(match: ScriptedMatch, ...replies: ScriptedReply[]): void;
  /** Answers requests the queue doesn't cover; without one they get NO_SCRIPTED_REPLY. */
  setHandler(handler: ScriptedHandler | undefined): void;
  /** Every generate/stream request so far, oldest first. */
  generateCalls(): ScriptedRequest[];
  /** Clears the queue, the handler and the recorded requests. */
  reset(): void;
  /** Replies still queued. */
  pending(): number;
}

/** The answer to a request nothing was scripted for (same text as the HTTP fake's). */
export const NO_SCRIPTED_REPLY = '(scripted llm: no scripted reply)';

const tokens = (chars: number): number => Math.ceil(chars / 4);

function charsOf(contents: Content[]): number {
  return JSON.stringify(contents).length;
}

function textOfContent(content: Content | undefined): string {
  return (content?.parts ?? []).map((p) => ('text' in p ? p.text : '')).join('');
}

function record(kind: ScriptedRequest['kind'], request: GenerateRequest): ScriptedRequest {
  const contents = structuredClone(request.contents);
  const lastUser = contents.filter((c) => c.role === 'user').at(-1);
  return {
    kind,
    request,
    model: request.model,
    systemText: request.system ?? '',
    contents,
    toolNames: (request.tools ?? []).map((t) => t.name),
    lastUserText: textOfContent(lastUser),
  };
}

function toResult(reply: ScriptedReply, req: ScriptedRequest, callNo: () => number): GenerateResult {
  const text = reply.chunks?.join('') ?? reply.text ?? '';
  const functionCalls: FunctionCall[] = (reply.functionCalls ?? []).map((fc) => ({
    id: fc.id ?? `call_${callNo()}`,
    name: fc.name,
    args: fc.args ?? {},
  }));
  const parts: Part[] = [];
  if (text) parts.push({ text });
  for (const fc of functionCalls) parts.push({ functionCall: fc });
  const inputTokens = reply.usage?.inputTokens ?? tokens(charsOf(req.contents) + req.systemText.length);
  const outputTokens = reply.usage?.outputTokens ?? tokens(text.length + JSON.stringify(functionCalls).length);
  const result: GenerateResult = {
    content: { role: 'model', parts },
    text,
    functionCalls,
    usage: { inputTokens, outputTokens, totalTokens: reply.usage?.totalTokens ?? inputTokens + outputTokens },
    finishReason: reply.finishReason ?? 'STOP',
  };
  if (reply.grounding) result.grounding = reply.grounding;
  return result;
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LlmError('llm_aborted', 'The model call was cancelled', { cause: signal.reason });
}

/** Deterministic stand-in vector for a text: the same text always gets the same vector. */
function embedding(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  for (let i = 0; i < text.length; i++) {
    const k = (text.charCodeAt(i) * 31 + i) % dimensions;
    v[k] = (v[k] ?? 0) + 1;
  }
  return v;
}

/** Creates a scripted Llm. Replies given here are queued first. */
export function createScriptedLlm(...replies: ScriptedReply[]): ScriptedLlm {
  const queue: ScriptedReply[] = [...replies];
  let targeted: { match: ScriptedMatch; replies: ScriptedReply[] }[] = [];
  const calls: ScriptedRequest[] = [];
  let handler: ScriptedHandler | undefined;
  let nextCallId = 1;
  const callNo = () => nextCallId++;

  function pick(req: ScriptedRequest): ScriptedReply {
    const entry = targeted.find((e) => matches(e.match, req));
    const reply = entry?.replies.shift();
    targeted = targeted.filter((e) => e.replies.length > 0);
    return reply ?? queue.shift() ?? handler?.(req) ?? { text: NO_SCRIPTED_REPLY };
  }

  function answer(
    kind: ScriptedRequest['kind'],
    request: GenerateRequest,
  ): { reply: ScriptedReply; req: ScriptedRequest } {
    checkSignal(request.signal);
    const req = record(kind, request);
    calls.push(req);
    const reply = pick(req);
    if (reply.error) throw reply.error;
    return { reply, req };
  }

  return {
    async generate(request) {
      const { reply, req } = answer('generate', request);
      return toResult(reply, req, callNo);
    },
    async *stream(request): AsyncGenerator<StreamChunk> {
      const { reply, req } = answer('stream', request);
      for (const text of reply.chunks ?? (reply.text ? [reply.text] : [])) {
        checkSignal(request.signal);
        yield { type: 'text-delta', text };
      }
      yield { type: 'done', result: toResult(reply, req, callNo) };
    },
    async embed(texts: string[], options: { task: EmbeddingTask; dimensions?: number; signal?: AbortSignal }) {
      checkSignal(options.signal);
      return texts.map((t) => embedding(t, options.dimensions ?? 768));
    },
    enqueue: (...more) => {
      queue.push(...more);
    },
    enqueueFor: (match, ...more) => {
      targeted.push({ match, replies: [...more] });
    },
    setHandler: (h) => {
      handler = h;
    },
    generateCalls: () => [...calls],
    reset() {
      queue.length = 0;
      targeted = [];
      calls.length = 0;
      handler = undefined;
    },
    pending: () => queue.length,
  };
}

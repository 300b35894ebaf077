/**
 * Vendor-neutral language-model contract. Core modules depend on this, never on @google/genai.
 * Content shapes mirror Gemini's so model turns (with `thoughtSignature`) round-trip unchanged and serialize as JSON.
 */
export type Part =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { functionCall: FunctionCall; thoughtSignature?: string }
  | { functionResponse: { id?: string; name: string; response: Record<string, unknown> } }
  | { inlineData: { mimeType: string; data: string }; thoughtSignature?: string }
  | { executableCode: ExecutableCode; thoughtSignature?: string }
  | { codeExecutionResult: CodeExecutionResult; thoughtSignature?: string };

/** Code the model wrote and the provider ran (the `code_execution` built-in tool); kept verbatim in the model turn. */
export interface ExecutableCode {
  /** `PYTHON` (the only language Gemini runs). */
  language: string;
  code: string;
  id?: string;
}

/** How a run of `ExecutableCode` ended, as the provider reports it. */
export type CodeOutcome = 'OUTCOME_OK' | 'OUTCOME_FAILED' | 'OUTCOME_DEADLINE_EXCEEDED' | 'OUTCOME_UNSPECIFIED';

/** The result of running the preceding `ExecutableCode`: stdout when it succeeded, else stderr or a description. */
export interface CodeExecutionResult {
  outcome: CodeOutcome;
  output?: string;
  id?: string;
}

/** Provider-side tools: web search, URL reading, and running Python in the provider's sandbox. */
export type BuiltinTool = 'google_search' | 'url_context' | 'code_execution';

/** A built-in tool that reads the web (its results are outside text); code execution runs without network access. */
export function isWebTool(tool: BuiltinTool): boolean {
  return tool === 'google_search' || tool === 'url_context';
}

/** One turn of conversation as the model sees it. Tool results travel in `user` turns. */
export interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

export interface FunctionCall {
  id?: string;
  name: string;
  args: Record<string, unknown>;
}

/** A function tool as declared to the model; `parameters` is a JSON Schema object. */
export interface ToolDeclaration {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface Usage {
  /** Prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the provider's context cache (billed at the cached price); absent = none. */
  cachedTokens?: number;
}

/** Whom a call is accounted to in the usage records; never sent to the provider. */
export interface AccountTo {
  /** The agent that made the call (e.g. `router`, `assistant`). */
  agent?: string;
  /** The user the work is for, when the caller knows it better than the ambient turn (background work). */
  userId?: number;
}

/** Search grounding passed through from the provider (sources the answer used). */
export interface Grounding {
  sources: { title?: string; uri: string }[];
  queries: string[];
}

export interface GenerateRequest {
  model: string;
  system?: string;
  contents: Content[];
  tools?: ToolDeclaration[];
  /** Provider-side tools; Gemini cannot combine these with function tools. */
  builtinTools?: BuiltinTool[];
  temperature?: number;
  maxOutputTokens?: number;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Usage accounting only. */
  accountTo?: AccountTo;
}

export interface GenerateResult {
  /** The model turn exactly as returned (keep it verbatim in history). */
  content: Content;
  text: string;
  functionCalls: FunctionCall[];
  usage: Usage;
  finishReason?: string;
  grounding?: Grounding;
}

export type StreamChunk = { type: 'text-delta'; text: string } | { type: 'done'; result: GenerateResult };

export type EmbeddingTask = 'RETRIEVAL_DOCUMENT' | 'RETRIEVAL_QUERY' | 'SEMANTIC_SIMILARITY';

/** The language-model port. Errors are thrown as `LlmError` with a code. */
export interface Llm {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Streams text deltas, then one `done` chunk with the whole result. Never retries once output was produced. */
  stream(request: GenerateRequest): AsyncIterable<StreamChunk>;
  /** Embeds texts (one vector each, unit length not guaranteed). */
  embed(
    texts: string[],
    options: { task: EmbeddingTask; dimensions?: number; signal?: AbortSignal },
  ): Promise<Float32Array[]>;
}

/** Error codes the program can branch on. Adapters translate vendor errors into these. */
export type ErrorCode =
  | 'config_invalid'
  | 'store_unavailable'
  | 'store_failed'
  | 'llm_rate_limited'
  | 'llm_unavailable'
  | 'llm_timeout'
  | 'llm_bad_request'
  | 'llm_auth'
  | 'llm_malformed'
  | 'llm_aborted'
  | 'telegram_failed'
  | 'telegram_blocked'
  | 'telegram_not_found'
  | 'telegram_parse'
  | 'tool_failed'
  | 'budget_exceeded'
  | 'aborted'
  | 'invalid_input'
  | 'secrets_key_missing'
  | 'secrets_key_wrong'
  | 'secret_undecryptable'
  | 'internal';

/** The one base error class: a stable `code`, a safe message and the vendor `cause`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

/** Configuration problems; `issues` lists every problem found, one per line. */
export class ConfigError extends AppError {
  readonly issues: string[];
  constructor(issues: string[], options?: { cause?: unknown }) {
    super('config_invalid', `Invalid configuration:\n${issues.join('\n')}`, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Database problems (open, migrate, read, write). */
export class StoreError extends AppError {
  constructor(code: 'store_unavailable' | 'store_failed', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** Language-model call problems. `retryAfterMs` is set when the provider asked us to wait. */
export class LlmError extends AppError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    code: Extract<ErrorCode, `llm_${string}`>,
    message: string,
    options?: { cause?: unknown; status?: number; retryAfterMs?: number },
  ) {
    super(code, message, options);
    this.name = 'LlmError';
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Returns `err` as an Error (wrapping non-errors) for logging and cause chains. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

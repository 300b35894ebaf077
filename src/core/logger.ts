import { createRequire } from 'node:module';
import { pino } from 'pino';
import { createScrubber } from './scrub.ts';

/** The structured logger every module receives. */
export type Logger = pino.Logger;

/** Fields that never reach the log output. Secret values inside strings are caught by the scrubber (`secrets`). */
export const REDACT_PATHS = [
  'token',
  'apiKey',
  'authToken',
  '*.token',
  '*.apiKey',
  '*.authToken',
  'config.TELEGRAM_BOT_TOKEN',
  'config.GEMINI_API_KEY',
  'config.DATABASE_AUTH_TOKEN',
  'config.WEBHOOK_SECRET',
  'config.METRICS_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'GEMINI_API_KEY',
  'DATABASE_AUTH_TOKEN',
  'WEBHOOK_SECRET',
  'METRICS_TOKEN',
  'headers["x-goog-api-key"]',
  'headers["x-telegram-bot-api-secret-token"]',
  'req.headers.authorization',
];

/** pino-pretty is a dev dependency: a production install (`npm ci --omit=dev`) falls back to JSON. */
function hasPrettyPrinter(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** The prototype pino's error serializer gives the objects it creates (so only those are ever edited below). */
const serializedErrorProto: unknown = Object.getPrototypeOf(pino.stdSerializers.err(new Error('probe')));

/** Drops `ctx` from a serialized error and the serialized errors inside it. */
function dropContext(value: unknown, depth: number): void {
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) dropContext(v, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) !== serializedErrorProto) return;
  const record = value as Record<string, unknown>;
  delete record.ctx;
  for (const v of Object.values(record)) dropContext(v, depth + 1);
}

/**
 * Serializes errors with pino's standard serializer (message and stack include the `cause` chain; error-valued
 * properties are serialized too), minus grammY's `BotError.ctx`: the whole update (user text included) and the API
 * client with its token.
 */
function serializeError(err: unknown): unknown {
  const out: unknown = pino.stdSerializers.err(err as Error);
  dropContext(out, 0);
  return out;
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  destination?: pino.DestinationStream;
  /**
   * Secret values (tokens, keys) to replace with `[REDACTED]` wherever they appear in a written line: messages,
   * error messages and stacks, causes, any field. Empty and short values are ignored (see src/core/scrub.ts).
   */
  secrets?: readonly (string | undefined)[];
}

/** Creates the root logger: JSON to stdout, or pretty output when `pretty` is set (needs the pino-pretty dev dependency). */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = createScrubber(options.secrets ?? []);
  const base = {
    level: options.level,
    base: { app: 'assistant' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    // Runs on every serialized line, child loggers and the pretty transport included: no call site can forget.
    hooks: { streamWrite: scrub },
  };
  if (options.pretty && hasPrettyPrinter()) return pino({ ...base, transport: { target: 'pino-pretty' } });
  return options.destination ? pino(base, options.destination) : pino(base);
}

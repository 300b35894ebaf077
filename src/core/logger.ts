import { createRequire } from 'node:module';
import { pino } from 'pino';

/** The structured logger every module receives. */
export type Logger = pino.Logger;

/** Paths that must never reach the log output. Strings are not scanned, so never interpolate secrets. */
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
  'TELEGRAM_BOT_TOKEN',
  'GEMINI_API_KEY',
  'DATABASE_AUTH_TOKEN',
  'WEBHOOK_SECRET',
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

/** Creates the root logger: JSON to stdout, or pretty output when `pretty` is set (needs the pino-pretty dev dependency). */
export function createLogger(options: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  const base = {
    level: options.level,
    base: { app: 'assistant' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  };
  if (options.pretty && hasPrettyPrinter()) return pino({ ...base, transport: { target: 'pino-pretty' } });
  return options.destination ? pino(base, options.destination) : pino(base);
}

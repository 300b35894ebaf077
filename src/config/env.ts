import { z } from 'zod';
import { decodeMasterKey } from '../core/secrets-key.ts';
import { isTimeZone } from '../core/zoned-time.ts';

/** A valid IANA time zone name such as `Europe/Berlin`. */
export const timeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** An optional whole number in [min, max]; empty or unset means "the feature's default". */
const optionalInt = (min: number, max: number) =>
  optionalString.pipe(
    z.coerce
      .number<string | undefined>()
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .optional(),
  );

const userIds = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(z.string().regex(/^\d+$/, 'must be a comma-separated list of numeric Telegram user ids').transform(Number)),
  );

/** SECRETS_KEY: empty (secrets off: /connect tells the owner how to set it) or base64 of 32+ random bytes. */
const secretsKey = optionalString.superRefine((value, ctx) => {
  if (value === undefined) return;
  const decoded = decodeMasterKey(value);
  if ('problem' in decoded) ctx.addIssue({ code: 'custom', message: decoded.problem });
});

/** Environment variables, their defaults and checks. Names are a public contract. */
export const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string({ error: 'is required (get one from @BotFather)' })
    .trim()
    .regex(/^\d+:[\w-]{20,}$/, 'must look like 123456789:AA... (the token @BotFather gave you)'),
  TELEGRAM_API_ROOT: z.url('must be a URL').default('https://api.telegram.org'),
  GEMINI_API_KEY: z
    .string({ error: 'is required (create one at aistudio.google.com)' })
    .trim()
    .min(1, 'must not be empty'),
  GEMINI_BASE_URL: optionalString.pipe(z.url('must be a URL').optional()),
  GEMINI_MODEL: z.string().trim().min(1).default('gemini-2.5-flash'),
  GEMINI_ROUTER_MODEL: z.string().trim().min(1).default('gemini-2.5-flash-lite'),
  GEMINI_EMBEDDING_MODEL: z.string().trim().min(1).default('gemini-embedding-001'),
  DATABASE_URL: z
    .string()
    .trim()
    .default('file:data/assistant.db')
    .refine(
      (u) => /^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/)/.test(u),
      'must start with file:, libsql://, http(s):// or ws(s)://',
    ),
  DATABASE_AUTH_TOKEN: optionalString,
  ALLOWED_USER_IDS: userIds,
  DEFAULT_TIMEZONE: timeZoneSchema.default('UTC'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  CONFIG_DIR: z.string().trim().min(1).default('config'),
  BOT_MODE: z.enum(['polling', 'webhook']).default('polling'),
  WEBHOOK_URL: optionalString.pipe(z.url('must be an https URL').optional()),
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  JOURNAL_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1000, 'must be at least 1000 (ms)')
    .max(3_600_000, 'must be at most 3600000 (1 hour)')
    .default(60_000),
  SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1, 'must be at least 1 (minute)')
    .max(1440, 'must be at most 1440 (1 day)')
    .default(15),
  // Byte budget of the in-process vector caches (recall's, and a quarter of it for the knowledge base's).
  VECTOR_CACHE_MB: z.coerce
    .number()
    .int()
    .min(1, 'must be at least 1 (MB)')
    .max(65_536, 'must be at most 65536 (64 GB)')
    .default(64),
  // Knowledge base limits; unset: the defaults in src/knowledge/limits.ts.
  KNOWLEDGE_MAX_FILE_MB: optionalInt(1, 2000),
  KNOWLEDGE_MAX_PAGES: optionalInt(1, 100_000),
  KNOWLEDGE_MAX_CHUNKS: optionalInt(1, 1_000_000),
  KNOWLEDGE_MAX_DOCUMENTS: optionalInt(1, 1_000_000),
  SECRETS_KEY: secretsKey,
  // Observability: the bearer token /metrics requires (unset: loopback clients only), and the standard OTEL_* we honour.
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  OTEL_SDK_DISABLED: optionalString,
  OTEL_TRACES_EXPORTER: optionalString.pipe(z.enum(['otlp', 'none']).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url('must be a URL').optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(z.url('must be a URL').optional()),
  OTEL_SERVICE_NAME: optionalString,
});

/**
 * Checks between variables, run on the raw environment so they are reported together with
 * every other problem (zod skips object refinements when a field already failed).
 */
export function crossFieldIssues(raw: Record<string, string | undefined>): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (raw.BOT_MODE?.trim() === 'webhook') {
    if (!raw.WEBHOOK_URL?.trim()) issues.push({ path: 'WEBHOOK_URL', message: 'is required when BOT_MODE=webhook' });
    if (!raw.WEBHOOK_SECRET?.trim())
      issues.push({ path: 'WEBHOOK_SECRET', message: 'is required when BOT_MODE=webhook' });
  }
  return issues;
}

export type Env = z.infer<typeof envSchema>;

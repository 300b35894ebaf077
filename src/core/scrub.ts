/**
 * The rule that keeps secrets out of every line the process writes: it knows the secret VALUES and replaces them
 * wherever they appear (inside error messages, URLs, stacks, nested causes), rather than trusting field names.
 */

/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** Values shorter than this are not scrubbed: replacing them would mangle ordinary text, and they are no secret anyway. */
export const MIN_SECRET_LENGTH = 8;

/** The environment variables whose values are secrets. */
export const SECRET_ENV_NAMES = [
  'TELEGRAM_BOT_TOKEN',
  'GEMINI_API_KEY',
  'DATABASE_AUTH_TOKEN',
  'WEBHOOK_SECRET',
  'SECRETS_KEY',
  'METRICS_TOKEN',
] as const;

/** Replaces every known secret in a text. */
export type Scrubber = (text: string) => string;

/**
 * The secret values in an environment (raw `process.env` is fine: values are trimmed, empty ones skipped). A bot
 * token's secret half (after `<bot id>:`) is listed on its own too, so it is caught even without the bot id.
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const name of SECRET_ENV_NAMES) {
    const value = env[name]?.trim();
    if (value) values.push(value);
  }
  const token = env.TELEGRAM_BOT_TOKEN?.trim();
  const colon = token?.indexOf(':') ?? -1;
  if (token && colon > 0) values.push(token.slice(colon + 1));
  return values;
}

const jsonEscaped = (s: string): string => JSON.stringify(s).slice(1, -1);

/** The spellings a secret takes in output: raw, URL-encoded (either hex case), and escaped inside JSON strings. */
export function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const lowerHex = encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const forms = new Set<string>();
  for (const f of [secret, encoded, lowerHex]) {
    forms.add(f);
    forms.add(jsonEscaped(f)); // a string field in a JSON log line
    forms.add(jsonEscaped(jsonEscaped(f))); // a JSON body quoted inside an error message, itself in a JSON line
  }
  return [...forms];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Builds the scrubber for `secrets` (values shorter than MIN_SECRET_LENGTH are ignored). Longer forms are tried
 * first, so a token is replaced whole before its secret half could match.
 */
export function createScrubber(secrets: readonly (string | undefined)[]): Scrubber {
  const forms = new Set<string>();
  for (const s of secrets) {
    const value = s?.trim();
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    for (const f of secretForms(value)) forms.add(f);
  }
  if (forms.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, REDACTED);
}

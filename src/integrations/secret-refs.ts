import { AppError } from '../core/errors.ts';
import type { UserSecrets } from '../core/secrets.ts';

/** `${secret:<name>}` in an env or header value of mcp.json. */
const REF = /\$\{secret:([A-Za-z0-9_.-]{1,64})\}/g;

/** Names of the secrets a set of values refers to, sorted, without repeats. */
export function secretNames(values: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const value of Object.values(values)) for (const m of value.matchAll(REF)) names.add(m[1] as string);
  return [...names].sort();
}

/** A user has not connected a secret a server needs; the message tells the model what the user should do. */
export class MissingSecretError extends AppError {
  readonly secret: string;
  constructor(server: string, secret: string) {
    super(
      'tool_failed',
      `The "${server}" service is not connected for this user: ask them to send /connect ${secret} in a private chat with the bot, then try again.`,
    );
    this.name = 'MissingSecretError';
    this.secret = secret;
  }
}

/**
 * The values with every `${secret:<name>}` replaced by the user's secret. Throws MissingSecretError for the first
 * secret the user has not connected (or when no secret store is wired).
 */
export async function resolveSecrets(
  values: Record<string, string>,
  server: string,
  userId: number,
  secrets: UserSecrets | undefined,
): Promise<Record<string, string>> {
  const known = new Map<string, string>();
  for (const name of secretNames(values)) {
    const value = secrets ? await secrets.get(userId, name) : undefined;
    if (value === undefined || value === '') throw new MissingSecretError(server, name);
    known.set(name, value);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    out[key] = value.replace(REF, (_m, name: string) => known.get(name) ?? '');
  return out;
}

/** The values with every secret reference blanked: for listing a per-user server's tools without anyone's secret. */
export function blankSecrets(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = value.replace(REF, '');
  return out;
}

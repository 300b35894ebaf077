import type { ProcessorVerdict } from '../agents/processors.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { MIN_SECRET_LENGTH, SECRET_ENV_NAMES, type Scrubber, createScrubber, secretForms } from '../core/scrub.ts';
import type { UserSecrets } from '../core/secrets.ts';
import { mapRecordStrings } from './json-strings.ts';
import { type GuardTurn, PASS, type Processor } from './processor.ts';

const NAME = 'secrets';

/** One kind of secret (an environment variable's name, or `user-secret`) and its scrubber. */
interface SecretKind {
  kind: string;
  scrub: Scrubber;
  /** The longest spelling of any of its values (raw, URL-encoded, JSON-escaped). */
  longest: number;
  values: string[];
}

function secretKind(kind: string, values: string[]): SecretKind | undefined {
  const kept = values.map((v) => v.trim()).filter((v) => v.length >= MIN_SECRET_LENGTH);
  if (kept.length === 0) return undefined;
  const longest = Math.max(...kept.flatMap((v) => secretForms(v).map((f) => f.length)));
  return { kind, scrub: createScrubber(kept), longest, values: kept };
}

/** The environment's secrets by kind; the bot token's secret half (after `<bot id>:`) counts as the token. */
function envKinds(env: Readonly<Record<string, unknown>>): SecretKind[] {
  const kinds: SecretKind[] = [];
  for (const name of SECRET_ENV_NAMES) {
    const raw = env[name];
    const value = typeof raw === 'string' ? raw.trim() : undefined;
    if (!value) continue;
    const values = [value];
    const colon = name === 'TELEGRAM_BOT_TOKEN' ? value.indexOf(':') : -1;
    if (colon > 0) values.push(value.slice(colon + 1));
    const kind = secretKind(name, values);
    if (kind) kinds.push(kind);
  }
  return kinds;
}

export interface SecretGuardDeps {
  /** The process environment (or the validated one): its secret variables are redacted. */
  env: Readonly<Record<string, unknown>>;
  /** The user's stored secrets (src/secrets); absent until that module is wired. */
  userSecrets?: UserSecrets;
  log: Logger;
}

/**
 * The secret guard: the bot token, the API keys, the database token, the secrets key and the user's own stored
 * secrets are replaced by [REDACTED] in answers (and streamed text) and in outbound tool arguments. Logs say which
 * kind was redacted, never the value.
 */
export function createSecretGuard(deps: SecretGuardDeps): Processor {
  const fromEnv = envKinds(deps.env);
  const envOnly = withAll(fromEnv);
  // A user's scrubber is built once per set of values (a regex compile per turn would cost more than the turn).
  const perValues = new Map<string, Kinds>();
  const kindsWith = (values: string[]): Kinds => {
    const key = JSON.stringify(values);
    let kinds = perValues.get(key);
    if (!kinds) {
      if (perValues.size >= 256) perValues.delete(perValues.keys().next().value as string);
      const own = secretKind('user-secret', values);
      kinds = own ? withAll([...fromEnv, own]) : envOnly;
      perValues.set(key, kinds);
    }
    return kinds;
  };

  async function kindsFor(turn: GuardTurn): Promise<Kinds> {
    if (!deps.userSecrets) return envOnly;
    try {
      return kindsWith(await deps.userSecrets.values(turn.userId));
    } catch (err) {
      deps.log.error({ err: toError(err), turnId: turn.turnId }, "could not load the user's secrets to redact");
      return envOnly;
    }
  }

  return {
    name: NAME,
    async begin(turn) {
      const { kinds, all } = await kindsFor(turn);
      if (!all) return {};
      /** `text` with every kind redacted; the kinds found are added to `found` (checked one by one only on a hit). */
      const clean = (text: string, found: Set<string>): string => {
        if (all.scrub(text) === text) return text;
        let out = text;
        for (const k of kinds) {
          const next = k.scrub(out);
          if (next !== out) found.add(k.kind);
          out = next;
        }
        return out;
      };
      const report = (hook: 'output' | 'toolCall' | 'toolResult', found: Set<string>, tool?: string) =>
        deps.log.warn({ turnId: turn.turnId, hook, kinds: [...found], ...(tool ? { tool } : {}) }, 'secret redacted');
      return {
        holdBack: all.longest,
        redact: all.scrub,
        output(text): ProcessorVerdict<string> {
          const found = new Set<string>();
          const value = clean(text, found);
          if (found.size === 0) return PASS;
          report('output', found);
          return { action: 'rewrite', value, notes: [{ processor: NAME, hook: 'output', action: 'redact' }] };
        },
        toolCall(call): ProcessorVerdict<Record<string, unknown>> {
          const found = new Set<string>();
          const value = mapRecordStrings(call.args, (s) => clean(s, found));
          if (found.size === 0) return PASS;
          report('toolCall', found, call.tool);
          return { action: 'rewrite', value, notes: [{ processor: NAME, hook: 'toolCall', action: 'redact' }] };
        },
        // A tool may echo a secret it was given (an MCP server's environment, a page quoting a key): the model never
        // reads it.
        toolResult(call, response): ProcessorVerdict<Record<string, unknown>> {
          const found = new Set<string>();
          const value = mapRecordStrings(response, (s) => clean(s, found));
          if (found.size === 0) return PASS;
          report('toolResult', found, call.tool);
          return { action: 'rewrite', value, notes: [{ processor: NAME, hook: 'toolResult', action: 'redact' }] };
        },
      };
    },
  };
}

/** The kinds of a turn and one scrubber for all of them (the fast check). */
interface Kinds {
  kinds: SecretKind[];
  all: SecretKind | undefined;
}

function withAll(kinds: SecretKind[]): Kinds {
  if (kinds.length === 0) return { kinds, all: undefined };
  const values = kinds.flatMap((k) => k.values);
  // One regular expression for every value (longest spellings first), so a turn without secrets costs one scan.
  const all = { kind: 'all', scrub: createScrubber(values), longest: Math.max(...kinds.map((k) => k.longest)), values };
  return { kinds, all };
}

import { z } from 'zod';
import type { Row } from '../store/db.ts';
import { languageChoiceSchema } from './locale-choice.ts';

/** Access state of a Telegram user (column `users.access`). */
export type AccessState = 'unknown' | 'owner' | 'allowed' | 'pending' | 'denied' | 'revoked';

const accessSchema = z.enum(['unknown', 'owner', 'allowed', 'pending', 'denied', 'revoked']);

/** Per-user settings stored as JSON in `users.settings`. */
export const userSettingsSchema = z.object({
  /** Show short tool-progress status lines while a reply is being prepared. */
  showProgress: z.boolean().default(true),
  /** Show what the user said in a voice message ("🎙 …") above the answer. */
  showTranscripts: z.boolean().default(true),
  /** Onboarding (/start) finished at least once. */
  onboarded: z.boolean().default(false),
  /** The next short text in the private chat is read as a time zone (after /start or "Change time zone"). */
  awaitingTimezone: z.boolean().default(false),
  /** The user's /language choice; absent: follow their Telegram language ("Auto"). */
  language: languageChoiceSchema,
});
export type UserSettings = z.infer<typeof userSettingsSchema>;

export interface UserRecord {
  id: number;
  firstName: string | null;
  username: string | null;
  /** The user's own choice; `timezoneOf` falls back to the default. */
  timezone: string | null;
  /** The Telegram app's language (`language_code`) from the user's latest update, if Telegram sent one. */
  language: string | null;
  access: AccessState;
  /** Bumped on every access change; buttons carry it so an older one can't undo a newer decision. */
  accessVersion: number;
  /** When `access` last changed (for `pending`: when the request was made). */
  accessChangedAt: number;
  settings: UserSettings;
  createdAt: number;
  updatedAt: number;
}

const ACCESS_STATES: ReadonlySet<string> = new Set(accessSchema.options);

// Every update reads its sender's row several times, and a user's settings JSON rarely changes: parsed once per
// distinct text (zod runs jitless, so a parse costs more than the row read).
const parsedSettings = new Map<string, UserSettings>();
const PARSED_SETTINGS_LIMIT = 256;

function parseSettingsText(text: string): UserSettings {
  try {
    const parsed = userSettingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : userSettingsSchema.parse({});
  } catch {
    return userSettingsSchema.parse({});
  }
}

/** Parses `users.settings` JSON; anything unreadable reads as the defaults. Each call returns a fresh object. */
export function parseSettings(raw: unknown): UserSettings {
  const text = String(raw ?? '{}');
  let settings = parsedSettings.get(text);
  if (!settings) {
    settings = parseSettingsText(text);
    if (parsedSettings.size >= PARSED_SETTINGS_LIMIT) parsedSettings.clear();
    parsedSettings.set(text, settings);
  }
  return { ...settings };
}

/** Maps a `users` row (selected with {@link USER_COLUMNS}) to a record. */
export function toRecord(row: Row): UserRecord {
  return {
    id: Number(row.id),
    firstName: row.first_name === null ? null : String(row.first_name),
    username: row.username === null ? null : String(row.username),
    timezone: row.timezone === null ? null : String(row.timezone),
    language: typeof row.language === 'string' ? row.language : null,
    access: typeof row.access === 'string' && ACCESS_STATES.has(row.access) ? (row.access as AccessState) : 'unknown',
    accessVersion: Number(row.access_version ?? 0),
    accessChangedAt: Number(row.access_changed_at ?? row.updated_at),
    settings: parseSettings(row.settings),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The `users` columns {@link toRecord} reads. */
export const USER_COLUMNS =
  'id, first_name, username, timezone, language, access, access_version, access_changed_at, settings, created_at, updated_at';

import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { timeZoneSchema } from '../config/env.ts';
import type { Row, Store } from '../store/db.ts';

/** Access state of a Telegram user (column `users.access`). */
export type AccessState = 'unknown' | 'owner' | 'allowed' | 'pending' | 'denied' | 'revoked';

/** Per-user settings stored as JSON in `users.settings`. */
export const userSettingsSchema = z.object({
  /** Show short tool-progress status lines while a reply is being prepared. */
  showProgress: z.boolean().default(true),
  /** Onboarding (/start) finished at least once. */
  onboarded: z.boolean().default(false),
  /** The next short text in the private chat is read as a time zone (after /start or "Change time zone"). */
  awaitingTimezone: z.boolean().default(false),
});
export type UserSettings = z.infer<typeof userSettingsSchema>;

export interface UserRecord {
  id: number;
  firstName: string | null;
  username: string | null;
  /** The user's own choice; `timezoneOf` falls back to the default. */
  timezone: string | null;
  access: AccessState;
  settings: UserSettings;
  createdAt: number;
  updatedAt: number;
}

/** The Telegram `from` fields we keep (metadata only). */
export interface TelegramUser {
  id: number;
  first_name?: string;
  username?: string;
}

export interface Users {
  /** `allowlist` when ALLOWED_USER_IDS is set, otherwise `owner` (first /start owns the bot, others ask). */
  readonly mode: 'allowlist' | 'owner';
  get(userId: number): Promise<UserRecord | undefined>;
  /** Creates or refreshes a user's name fields; keeps access and settings. */
  upsert(from: TelegramUser): Promise<UserRecord>;
  /** Whether this user is served (allowlisted, owner or approved). */
  isServed(userId: number): Promise<boolean>;
  /** The owner: in owner mode the user who claimed the bot, in allowlist mode the first allowed id. */
  ownerId(): Promise<number | undefined>;
  /** Atomically makes `from` the owner if nobody is. `won` is true only for the single first claimant (or the owner again). */
  claimOwner(from: TelegramUser): Promise<{ won: boolean; ownerId: number }>;
  /** Marks a stranger as waiting for the owner. `isNew` is false if a request was already pending (no second prompt). */
  requestAccess(from: TelegramUser): Promise<{ state: AccessState; isNew: boolean }>;
  setAccess(userId: number, access: AccessState): Promise<void>;
  /** Everyone the bot knows, owner first. */
  list(): Promise<UserRecord[]>;
  setTimezone(userId: number, timezone: string): Promise<void>;
  /** The user's time zone, falling back to DEFAULT_TIMEZONE. */
  timezoneOf(userId: number): Promise<string>;
  updateSettings(userId: number, patch: Partial<UserSettings>): Promise<UserSettings>;
  /**
   * Rate limit for the "private assistant" notice to strangers: true at most once per `windowMs`
   * (default one day) per user. Stores only the user id and a timestamp.
   */
  shouldNotifyStranger(userId: number, windowMs?: number): Promise<boolean>;
}

const accessSchema = z.enum(['unknown', 'owner', 'allowed', 'pending', 'denied', 'revoked']);
const DAY_MS = 24 * 60 * 60 * 1000;

function parseSettings(raw: unknown): UserSettings {
  try {
    const parsed = userSettingsSchema.safeParse(JSON.parse(String(raw ?? '{}')));
    return parsed.success ? parsed.data : userSettingsSchema.parse({});
  } catch {
    return userSettingsSchema.parse({});
  }
}

function toRecord(row: Row): UserRecord {
  return {
    id: Number(row.id),
    firstName: row.first_name === null ? null : String(row.first_name),
    username: row.username === null ? null : String(row.username),
    timezone: row.timezone === null ? null : String(row.timezone),
    access: accessSchema.catch('unknown').parse(row.access),
    settings: parseSettings(row.settings),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const COLUMNS = 'id, first_name, username, timezone, access, settings, created_at, updated_at';

/** Creates the users service over the `users` table (migration 001) and `access_notices` (004). */
export function createUsers(deps: {
  store: Store;
  clock: Clock;
  defaultTimezone: string;
  allowedUserIds: number[];
}): Users {
  const { store, clock, defaultTimezone } = deps;
  const allowed = new Set(deps.allowedUserIds);
  const mode = allowed.size > 0 ? 'allowlist' : 'owner';

  const upsertSql = `INSERT INTO users (id, first_name, username, access, settings, created_at, updated_at)
    VALUES (?, ?, ?, ?, '{}', ?, ?)
    ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name, username = excluded.username, updated_at = excluded.updated_at`;

  const users: Users = {
    mode,
    async get(userId) {
      const row = await store.get(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [userId]);
      return row ? toRecord(row) : undefined;
    },
    async upsert(from) {
      const now = clock.now();
      const initial: AccessState = mode === 'allowlist' && allowed.has(from.id) ? 'allowed' : 'unknown';
      await store.run(upsertSql, [from.id, from.first_name ?? null, from.username ?? null, initial, now, now]);
      const rec = await users.get(from.id);
      if (!rec) throw new AppError('internal', `user ${from.id} vanished after upsert`);
      return rec;
    },
    async isServed(userId) {
      if (mode === 'allowlist') {
        if (!allowed.has(userId)) return false;
        const rec = await users.get(userId);
        return rec?.access !== 'revoked' && rec?.access !== 'denied';
      }
      const rec = await users.get(userId);
      return rec?.access === 'owner' || rec?.access === 'allowed';
    },
    async ownerId() {
      if (mode === 'allowlist') return deps.allowedUserIds[0];
      const row = await store.get(`SELECT id FROM users WHERE access = 'owner' LIMIT 1`);
      return row ? Number(row.id) : undefined;
    },
    claimOwner(from) {
      return store.write(async (tx) => {
        const rows = await tx.query(`SELECT id FROM users WHERE access = 'owner' LIMIT 1`);
        const current = rows[0];
        if (current) return { won: Number(current.id) === from.id, ownerId: Number(current.id) };
        const now = clock.now();
        await tx.run(upsertSql, [from.id, from.first_name ?? null, from.username ?? null, 'owner', now, now]);
        await tx.run(`UPDATE users SET access = 'owner', updated_at = ? WHERE id = ?`, [now, from.id]);
        return { won: true, ownerId: from.id };
      });
    },
    requestAccess(from) {
      return store.write(async (tx) => {
        const now = clock.now();
        const rows = await tx.query('SELECT access FROM users WHERE id = ?', [from.id]);
        const state = rows[0] ? accessSchema.catch('unknown').parse(rows[0].access) : undefined;
        if (state === 'owner' || state === 'allowed' || state === 'pending' || state === 'denied') {
          return { state, isNew: false };
        }
        await tx.run(upsertSql, [from.id, from.first_name ?? null, from.username ?? null, 'pending', now, now]);
        await tx.run(`UPDATE users SET access = 'pending', updated_at = ? WHERE id = ?`, [now, from.id]);
        return { state: 'pending' as const, isNew: true };
      });
    },
    async setAccess(userId, access) {
      const r = await store.run('UPDATE users SET access = ?, updated_at = ? WHERE id = ?', [access, clock.now(), userId]);
      if (r.changes === 0) {
        const now = clock.now();
        await store.run(
          `INSERT INTO users (id, access, settings, created_at, updated_at) VALUES (?, ?, '{}', ?, ?)`,
          [userId, access, now, now],
        );
      }
    },
    async list() {
      const rows = await store.query(
        `SELECT ${COLUMNS} FROM users ORDER BY CASE access WHEN 'owner' THEN 0 WHEN 'allowed' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END, created_at`,
      );
      return rows.map(toRecord);
    },
    async setTimezone(userId, timezone) {
      const parsed = timeZoneSchema.safeParse(timezone);
      if (!parsed.success) throw new AppError('invalid_input', `"${timezone}" is not an IANA time zone such as Europe/Berlin`);
      await store.run('UPDATE users SET timezone = ?, updated_at = ? WHERE id = ?', [parsed.data, clock.now(), userId]);
    },
    async timezoneOf(userId) {
      const row = await store.get('SELECT timezone FROM users WHERE id = ?', [userId]);
      const tz = row?.timezone;
      return typeof tz === 'string' && timeZoneSchema.safeParse(tz).success ? tz : defaultTimezone;
    },
    async updateSettings(userId, patch) {
      return store.write(async (tx) => {
        const rows = await tx.query('SELECT settings FROM users WHERE id = ?', [userId]);
        const next = userSettingsSchema.parse({ ...parseSettings(rows[0]?.settings), ...patch });
        await tx.run('UPDATE users SET settings = ?, updated_at = ? WHERE id = ?', [JSON.stringify(next), clock.now(), userId]);
        return next;
      });
    },
    shouldNotifyStranger(userId, windowMs = DAY_MS) {
      return store.write(async (tx) => {
        const now = clock.now();
        const rows = await tx.query('SELECT last_notice_at FROM access_notices WHERE user_id = ?', [userId]);
        const last = rows[0] ? Number(rows[0].last_notice_at) : undefined;
        if (last !== undefined && now - last < windowMs) {
          await tx.run('UPDATE access_notices SET attempts = attempts + 1 WHERE user_id = ?', [userId]);
          return false;
        }
        await tx.run(
          `INSERT INTO access_notices (user_id, last_notice_at, attempts) VALUES (?, ?, 1)
           ON CONFLICT(user_id) DO UPDATE SET last_notice_at = excluded.last_notice_at, attempts = attempts + 1`,
          [userId, now],
        );
        return true;
      });
    },
  };
  return users;
}

/** Matches a typed zone or city ("Berlin", "new york", "Europe/Berlin") against the IANA list. */
export function matchTimeZone(input: string): string | undefined {
  const q = input.trim();
  if (!q) return undefined;
  if (timeZoneSchema.safeParse(q).success && q.includes('/')) {
    const exact = supportedZones().find((z) => z.toLowerCase() === q.toLowerCase());
    return exact ?? q;
  }
  if (/^utc$|^gmt$/i.test(q)) return 'UTC';
  const norm = q.toLowerCase().replace(/\s+/g, '_');
  const zones = supportedZones();
  return zones.find((z) => z.toLowerCase().split('/').pop() === norm) ?? zones.find((z) => z.toLowerCase() === norm);
}

let zonesCache: string[] | undefined;
function supportedZones(): string[] {
  zonesCache ??= Intl.supportedValuesOf('timeZone');
  return zonesCache;
}

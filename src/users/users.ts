import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { timeZoneSchema } from '../config/env.ts';
import type { Store, WriteTx } from '../store/db.ts';
import { ACCESS_REQUEST_TTL_MS, isRequestExpired } from './access-rules.ts';
import { hashPairingCode, newPairingCode } from './pairing.ts';
import type { Locale } from '../i18n/locale.ts';
import { resolveLocale } from './locale-choice.ts';
import {
  type AccessState,
  parseSettings,
  toRecord,
  USER_COLUMNS,
  type UserRecord,
  type UserSettings,
  userSettingsSchema,
} from './user-record.ts';

export { matchTimeZone } from './time-zone-match.ts';
export { type AccessState, type UserRecord, type UserSettings, userSettingsSchema } from './user-record.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One access change, as told to listeners (after it is committed). */
export interface AccessChange {
  userId: number;
  from: AccessState;
  to: AccessState;
  version: number;
}

/** Reacts to an access change (e.g. pauses a revoked user's jobs); may return a line for the owner. */
export type AccessListener = (change: AccessChange) => Promise<string | undefined>;

/** Outcome of an owner's decision. `stale`: the button is older than the user's current state. */
export type DecideResult =
  | { ok: true; change: AccessChange; notes: string[] }
  | { ok: false; reason: 'stale'; current: AccessState }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'unknown_user' };

/** Outcome of claiming an unowned bot with the pairing code. */
export type ClaimResult =
  | { won: true; ownerId: number }
  | { won: false; reason: 'taken'; ownerId: number }
  | { won: false; reason: 'bad_code' };

/** The Telegram `from` fields we keep (metadata only). */
export interface TelegramUser {
  id: number;
  first_name?: string;
  username?: string;
  language_code?: string;
}

export interface Users {
  /** `allowlist` when ALLOWED_USER_IDS is set, otherwise `owner` (the pairing code owns the bot, others ask). */
  readonly mode: 'allowlist' | 'owner';
  get(userId: number): Promise<UserRecord | undefined>;
  /** Creates or refreshes a user's name fields; keeps access and settings. */
  upsert(from: TelegramUser): Promise<UserRecord>;
  /** Whether this user is served (allowlisted, owner or approved). */
  isServed(userId: number): Promise<boolean>;
  /** The owner: in owner mode the user who claimed the bot, in allowlist mode the first allowed id. */
  ownerId(): Promise<number | undefined>;
  /**
   * Owner mode: makes `from` the owner if nobody is and `code` is the current pairing code (single-use: the code is
   * gone once it wins). `won` is true only for the single first claimant.
   */
  claimOwner(from: TelegramUser, code: string): Promise<ClaimResult>;
  /**
   * Owner mode without an owner: makes a new pairing code, stores its hash (replacing older codes) and returns it.
   * Undefined in allowlist mode or once the bot has an owner.
   */
  issuePairingCode(): Promise<string | undefined>;
  /**
   * Marks a stranger as waiting for the owner. `isNew` is false when a request is already pending (no second prompt)
   * or when the owner already decided (denied and revoked are sticky). A request older than 24 h is replaced.
   */
  requestAccess(from: TelegramUser): Promise<{ state: AccessState; isNew: boolean; version: number }>;
  /**
   * The owner's decision. With `version`, it applies only if the user's access has not changed since that version
   * (the button is current); with `expires`, a pending request older than 24 h can no longer be decided this way.
   * Listeners run after the change is committed; their lines come back in `notes`.
   */
  decide(userId: number, access: AccessState, options?: { version?: number; expires?: boolean }): Promise<DecideResult>;
  /** Sets access unconditionally (creating the row if needed) and tells the listeners. */
  setAccess(userId: number, access: AccessState): Promise<void>;
  /** Registers a listener for committed access changes (wired once in app.ts). */
  onAccessChange(listener: AccessListener): void;
  /** Whether a pending request is past its 24 h. */
  requestExpired(user: UserRecord): boolean;
  /** Remembers an Approve/Deny prompt sent to the owner, so a later decision can remove its buttons. */
  recordPrompt(userId: number, version: number, chatId: number, messageId: number): Promise<void>;
  /** Forgets and returns the prompts about `userId` older than `version` (their buttons are to be removed). */
  takePrompts(userId: number, version: number): Promise<{ chatId: number; messageId: number }[]>;
  /**
   * Allowlist mode: users recorded as allowed (or owner) whose id is no longer in ALLOWED_USER_IDS become `unknown`
   * (re-adding the id lets them in again). Returns their ids.
   */
  dropUnlisted(): Promise<number[]>;
  /** Everyone the bot knows, owner first. */
  list(): Promise<UserRecord[]>;
  setTimezone(userId: number, timezone: string): Promise<void>;
  /** The user's time zone, falling back to DEFAULT_TIMEZONE. */
  timezoneOf(userId: number): Promise<string>;
  /** The language of the bot's texts for this user: their /language choice, else their Telegram language, else en. */
  localeOf(userId: number): Promise<Locale>;
  /** The record with its `timezoneOf` and `localeOf` answers, from one read (what a turn's request needs). */
  profileOf(userId: number): Promise<{ user: UserRecord | undefined; timezone: string; locale: Locale }>;
  updateSettings(userId: number, patch: Partial<UserSettings>): Promise<UserSettings>;
  /**
   * Rate limit for the "private assistant" notice to strangers: true at most once per `windowMs` (default one day)
   * per user and chat (`chatId`, default the user's private chat). Stores only the ids and a timestamp.
   */
  shouldNotifyStranger(userId: number, options?: { chatId?: number; windowMs?: number }): Promise<boolean>;
}

/** Whether the upsert would leave the stored profile as it is (language is only ever replaced, not cleared). */
const sameProfile = (rec: UserRecord, from: TelegramUser) =>
  rec.firstName === (from.first_name ?? null) &&
  rec.username === (from.username ?? null) &&
  (!from.language_code || rec.language === from.language_code);

/** A stored time zone, or `fallback` when none is set or it is no longer a valid zone. */
const validZone = (tz: unknown, fallback: string) =>
  typeof tz === 'string' && timeZoneSchema.safeParse(tz).success ? tz : fallback;

/** Creates the users service over the `users` table (migration 001) and `access_notices` (004, per chat since 020). */
export function createUsers(deps: {
  store: Store;
  clock: Clock;
  defaultTimezone: string;
  allowedUserIds: number[];
}): Users {
  const { store, clock, defaultTimezone } = deps;
  const allowed = new Set(deps.allowedUserIds);
  const mode = allowed.size > 0 ? 'allowlist' : 'owner';

  // An update without a language_code keeps the one stored.
  const upsertSql = `INSERT INTO users (id, first_name, username, access, settings, created_at, updated_at, language)
    VALUES (?, ?, ?, ?, '{}', ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name, username = excluded.username,
      updated_at = excluded.updated_at, language = COALESCE(excluded.language, users.language)`;
  const upsertArgs = (from: TelegramUser, access: AccessState, now: number) => [
    from.id,
    from.first_name ?? null,
    from.username ?? null,
    access,
    now,
    now,
    from.language_code || null,
  ];

  const listeners: AccessListener[] = [];

  /** Sets the state, bumps the version and stamps the time; returns the new version. */
  async function changeAccess(tx: WriteTx, userId: number, access: AccessState, now: number): Promise<number> {
    await tx.run(
      'UPDATE users SET access = ?, access_version = access_version + 1, access_changed_at = ?, updated_at = ? WHERE id = ?',
      [access, now, now, userId],
    );
    const rows = await tx.query('SELECT access_version FROM users WHERE id = ?', [userId]);
    return Number(rows[0]?.access_version ?? 0);
  }

  const users: Users = {
    mode,
    async get(userId) {
      const row = await store.get(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [userId]);
      return row ? toRecord(row) : undefined;
    },
    async upsert(from) {
      // Every update passes through here: a known user whose name and language did not change costs one read, not a
      // write transaction.
      const known = await users.get(from.id);
      if (known && sameProfile(known, from)) return known;
      const now = clock.now();
      const initial: AccessState = mode === 'allowlist' && allowed.has(from.id) ? 'allowed' : 'unknown';
      await store.run(upsertSql, upsertArgs(from, initial, now));
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
    claimOwner(from, code) {
      return store.write(async (tx): Promise<ClaimResult> => {
        const rows = await tx.query(`SELECT id FROM users WHERE access = 'owner' LIMIT 1`);
        const current = rows[0];
        if (current) {
          const ownerId = Number(current.id);
          return ownerId === from.id ? { won: true, ownerId } : { won: false, reason: 'taken', ownerId };
        }
        const valid = await tx.query('SELECT 1 AS ok FROM owner_pairing WHERE code_hash = ?', [hashPairingCode(code)]);
        if (valid.length === 0) return { won: false, reason: 'bad_code' };
        await tx.run('DELETE FROM owner_pairing');
        const now = clock.now();
        await tx.run(upsertSql, upsertArgs(from, 'owner', now));
        await changeAccess(tx, from.id, 'owner', now);
        return { won: true, ownerId: from.id };
      });
    },
    async issuePairingCode() {
      if (mode !== 'owner') return undefined;
      return store.write(async (tx) => {
        const owner = await tx.query(`SELECT id FROM users WHERE access = 'owner' LIMIT 1`);
        await tx.run('DELETE FROM owner_pairing');
        if (owner.length > 0) return undefined;
        const code = newPairingCode();
        await tx.run('INSERT INTO owner_pairing (code_hash, created_at) VALUES (?, ?)', [
          hashPairingCode(code),
          clock.now(),
        ]);
        return code;
      });
    },
    requestAccess(from) {
      return store.write(async (tx) => {
        const now = clock.now();
        const rows = await tx.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [from.id]);
        const current = rows[0] ? toRecord(rows[0]) : undefined;
        if (
          current &&
          current.access !== 'unknown' &&
          !(current.access === 'pending' && isRequestExpired(current, now))
        ) {
          return { state: current.access, isNew: false, version: current.accessVersion };
        }
        await tx.run(upsertSql, upsertArgs(from, 'pending', now));
        const version = await changeAccess(tx, from.id, 'pending', now);
        return { state: 'pending' as const, isNew: true, version };
      });
    },
    async decide(userId, access, options = {}) {
      const result = await store.write(async (tx): Promise<DecideResult> => {
        const rows = await tx.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [userId]);
        const now = clock.now();
        const current = rows[0] ? toRecord(rows[0]) : undefined;
        if (!current) {
          if (options.version !== undefined) return { ok: false, reason: 'unknown_user' };
          await tx.run(
            `INSERT INTO users (id, access, settings, created_at, updated_at) VALUES (?, 'unknown', '{}', ?, ?)`,
            [userId, now, now],
          );
        }
        const from = current?.access ?? 'unknown';
        if (options.version !== undefined && current && current.accessVersion !== options.version) {
          return { ok: false, reason: 'stale', current: current.access };
        }
        if (options.expires && current && isRequestExpired(current, now)) return { ok: false, reason: 'expired' };
        const version = await changeAccess(tx, userId, access, now);
        return { ok: true, change: { userId, from, to: access, version }, notes: [] };
      });
      if (!result.ok) return result;
      for (const listener of listeners) {
        const note = await listener(result.change);
        if (note) result.notes.push(note);
      }
      return result;
    },
    async setAccess(userId, access) {
      await users.decide(userId, access);
    },
    onAccessChange(listener) {
      listeners.push(listener);
    },
    requestExpired(user) {
      return isRequestExpired(user, clock.now(), ACCESS_REQUEST_TTL_MS);
    },
    async recordPrompt(userId, version, chatId, messageId) {
      await store.run(
        'INSERT OR IGNORE INTO access_prompts (user_id, version, chat_id, message_id, created_at) VALUES (?, ?, ?, ?, ?)',
        [userId, version, chatId, messageId, clock.now()],
      );
    },
    takePrompts(userId, version) {
      return store.write(async (tx) => {
        const rows = await tx.query(
          'SELECT chat_id, message_id FROM access_prompts WHERE user_id = ? AND version < ?',
          [userId, version],
        );
        await tx.run('DELETE FROM access_prompts WHERE user_id = ? AND version < ?', [userId, version]);
        return rows.map((r) => ({ chatId: Number(r.chat_id), messageId: Number(r.message_id) }));
      });
    },
    async dropUnlisted() {
      if (mode !== 'allowlist') return [];
      return store.write(async (tx) => {
        const rows = await tx.query(`SELECT id FROM users WHERE access IN ('allowed','owner')`);
        const gone = rows.map((r) => Number(r.id)).filter((id) => !allowed.has(id));
        const now = clock.now();
        for (const id of gone) await changeAccess(tx, id, 'unknown', now);
        return gone;
      });
    },
    async list() {
      const rows = await store.query(
        `SELECT ${USER_COLUMNS} FROM users ORDER BY CASE access WHEN 'owner' THEN 0 WHEN 'allowed' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END, created_at`,
      );
      return rows.map(toRecord);
    },
    async setTimezone(userId, timezone) {
      const parsed = timeZoneSchema.safeParse(timezone);
      if (!parsed.success)
        throw new AppError('invalid_input', `"${timezone}" is not an IANA time zone such as Europe/Berlin`);
      await store.run('UPDATE users SET timezone = ?, updated_at = ? WHERE id = ?', [parsed.data, clock.now(), userId]);
    },
    async timezoneOf(userId) {
      const row = await store.get('SELECT timezone FROM users WHERE id = ?', [userId]);
      return validZone(row?.timezone, defaultTimezone);
    },
    async localeOf(userId) {
      const row = await store.get('SELECT language, settings FROM users WHERE id = ?', [userId]);
      if (!row) return resolveLocale(undefined, undefined);
      return resolveLocale(
        parseSettings(row.settings).language,
        typeof row.language === 'string' ? row.language : null,
      );
    },
    async profileOf(userId) {
      const user = await users.get(userId);
      const locale = resolveLocale(user?.settings.language, user?.language ?? null);
      return { user, timezone: validZone(user?.timezone, defaultTimezone), locale };
    },
    async updateSettings(userId, patch) {
      return store.write(async (tx) => {
        const rows = await tx.query('SELECT settings FROM users WHERE id = ?', [userId]);
        const next = userSettingsSchema.parse({ ...parseSettings(rows[0]?.settings), ...patch });
        await tx.run('UPDATE users SET settings = ?, updated_at = ? WHERE id = ?', [
          JSON.stringify(next),
          clock.now(),
          userId,
        ]);
        return next;
      });
    },
    shouldNotifyStranger(userId, options = {}) {
      const chatId = options.chatId ?? userId;
      const windowMs = options.windowMs ?? DAY_MS;
      return store.write(async (tx) => {
        const now = clock.now();
        const rows = await tx.query('SELECT last_notice_at FROM access_notices WHERE user_id = ? AND chat_id = ?', [
          userId,
          chatId,
        ]);
        const last = rows[0] ? Number(rows[0].last_notice_at) : undefined;
        if (last !== undefined && now - last < windowMs) {
          await tx.run('UPDATE access_notices SET attempts = attempts + 1 WHERE user_id = ? AND chat_id = ?', [
            userId,
            chatId,
          ]);
          return false;
        }
        await tx.run(
          `INSERT INTO access_notices (user_id, chat_id, last_notice_at, attempts) VALUES (?, ?, ?, 1)
           ON CONFLICT(user_id, chat_id) DO UPDATE SET last_notice_at = excluded.last_notice_at, attempts = attempts + 1`,
          [userId, chatId, now],
        );
        return true;
      });
    },
  };
  return users;
}

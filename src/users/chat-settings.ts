import type { Clock } from '../core/clock.ts';
import { isTimeZone } from '../core/zoned-time.ts';
import type { Store } from '../store/db.ts';

/** How long a group admin's "type the time zone" prompt waits for their answer. */
const AWAIT_MS = 10 * 60_000;

/** A group's own settings (the `chat_settings` row). */
export interface ChatSettings {
  chatId: number;
  /** The group's IANA time zone, set by an admin; undefined when not set. */
  timezone?: string;
  /** Who set it last. */
  updatedBy?: number;
  updatedAt?: number;
}

/** Settings of group chats: today the time zone its reminders use. Only admins change them (checked by the caller). */
export interface ChatSettingsStore {
  get(chatId: number): Promise<ChatSettings>;
  /** The group's time zone when set (and still valid). */
  timezoneOf(chatId: number): Promise<string | undefined>;
  setTimezone(chatId: number, timezone: string, by: number): Promise<void>;
  /** Remembers that `userId` was asked to type the group's time zone (their next message in the group answers). */
  awaitTimezone(chatId: number, userId: number): Promise<void>;
  /** True when `userId` was asked recently (without clearing it). */
  isAwaiting(chatId: number, userId: number): Promise<boolean>;
  /** A group became a supergroup: its settings move to the new id. */
  migrate(fromChatId: number, toChatId: number): Promise<void>;
}

export function createChatSettings(deps: { store: Store; clock: Clock }): ChatSettingsStore {
  const { store, clock } = deps;
  const upsert = (chatId: number, sets: string, args: (number | string | null)[]) =>
    store
      .run(
        `INSERT INTO chat_settings (chat_id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (chat_id) DO NOTHING`,
        [chatId, clock.now(), clock.now()],
      )
      .then(() =>
        store.run(`UPDATE chat_settings SET ${sets}, updated_at = ? WHERE chat_id = ?`, [...args, clock.now(), chatId]),
      );

  const settings: ChatSettingsStore = {
    async get(chatId) {
      const row = await store.get('SELECT timezone, updated_by, updated_at FROM chat_settings WHERE chat_id = ?', [
        chatId,
      ]);
      const tz = row?.timezone == null ? undefined : String(row.timezone);
      return {
        chatId,
        ...(tz && isTimeZone(tz) ? { timezone: tz } : {}),
        ...(row?.updated_by != null ? { updatedBy: Number(row.updated_by) } : {}),
        ...(row?.updated_at != null ? { updatedAt: Number(row.updated_at) } : {}),
      };
    },
    async timezoneOf(chatId) {
      return (await settings.get(chatId)).timezone;
    },
    async setTimezone(chatId, timezone, by) {
      if (!isTimeZone(timezone)) throw new Error(`not a time zone: ${timezone}`);
      await upsert(chatId, 'timezone = ?, updated_by = ?, awaiting_tz_from = NULL, awaiting_tz_at = NULL', [
        timezone,
        by,
      ]);
    },
    async awaitTimezone(chatId, userId) {
      await upsert(chatId, 'awaiting_tz_from = ?, awaiting_tz_at = ?', [userId, clock.now()]);
    },
    async isAwaiting(chatId, userId) {
      const row = await store.get(
        'SELECT 1 AS x FROM chat_settings WHERE chat_id = ? AND awaiting_tz_from = ? AND awaiting_tz_at > ?',
        [chatId, userId, clock.now() - AWAIT_MS],
      );
      return row !== undefined;
    },
    async migrate(fromChatId, toChatId) {
      await store.run('UPDATE OR IGNORE chat_settings SET chat_id = ? WHERE chat_id = ?', [toChatId, fromChatId]);
    },
  };
  return settings;
}

/**
 * A protocol-faithful fake of the Telegram Bot API on a real `node:http` server (127.0.0.1, port 0).
 * The real grammY client talks to it via `new Bot(token, { client: { apiRoot: tg.apiRoot } })`.
 *
 * Faithful where bots usually break: long polling with offset confirmation, HTML/MarkdownV2 parsing
 * with Telegram's error texts, the 4096-character limit, "message is not modified", 429 with
 * `parameters.retry_after`, multipart uploads, file downloads and (optionally) flood limits.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  Audio,
  BotCommand,
  CallbackQuery,
  Chat,
  Document,
  File,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
  Voice,
} from 'grammy/types';
import {
  clientGone,
  closeServer,
  delay,
  isRecord,
  listen,
  parseMultipart,
  readBody,
  sendJson,
  UploadedFile,
} from './http-util.ts';
import { formatText } from './telegram-format.ts';
import { type Ready, waitUntil } from './wait.ts';

export { UploadedFile } from './http-util.ts';

export const DEFAULT_TELEGRAM_TOKEN = '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234';
export const DEFAULT_BOT_USERNAME = 'assistant_test_bot';
/** Default user id for group messages and button presses in groups when none is given. */
export const DEFAULT_GROUP_USER_ID = 1001;

const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;
const MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024;

export interface FloodLimits {
  /** Sustained sends per second to one private chat (default 1), with a burst of max(3, this). */
  privatePerSec?: number;
  /** Sends per minute to one group/supergroup (default 20). */
  groupPerMin?: number;
  /** Sends per second across all chats (default 30). */
  globalPerSec?: number;
}

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
  /** Telegram-like flood control on sending methods; off by default. */
  enforceLimits?: boolean | FloodLimits;
  /**
   * Reject a bare `&` in HTML (Telegram itself keeps it literally). Default true: a bot that does
   * not escape `&` does not escape `<` either.
   */
  strictAmpersand?: boolean;
  /**
   * The fake's clock in ms, used for message dates and flood-limit windows. Default `Date.now`.
   * Pass a manual clock's `now` when the bot under test waits `retry_after` on that clock.
   */
  now?: () => number;
}

export type ChatType = 'private' | 'group' | 'supergroup';

export interface TranscriptEntry {
  messageId: number;
  from: 'bot' | 'user';
  /** Visible text (tags stripped, entities decoded, trimmed) or the caption of a media message. */
  text: string;
  /** The raw HTML the bot sent, when parse_mode was HTML. */
  html?: string;
  /** The raw text as sent (any parse mode). */
  raw?: string;
  parseMode?: string;
  entities: MessageEntity[];
  /** The current reply markup (inline keyboard, or any markup sent with the message). */
  replyMarkup?: unknown;
  /** Number of accepted text/caption edits (reply-markup-only edits are not counted, as in Telegram). */
  edits: number;
  deleted: boolean;
  /** Unix seconds. */
  date: number;
  topicId?: number;
  replyToMessageId?: number;
  userId?: number;
  kind: 'text' | 'document' | 'photo' | 'voice' | 'audio' | 'other';
  document?: { fileId: string; fileName?: string; mimeType?: string; size?: number };
  photo?: { fileId: string; size?: number };
  reactions?: unknown[];
}

export interface Draft {
  chatId: number;
  draftId: number;
  /** Visible text. */
  text: string;
  raw: string;
  parseMode?: string;
  entities: MessageEntity[];
  topicId?: number;
  at: number;
}

export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  showAlert: boolean;
  url?: string;
  cacheTime?: number;
  at: number;
}

/** A button press made with `pressButton`, as the chat's transcript needs it. */
export interface ButtonPress {
  chatId: number;
  messageId: number;
  data: string;
  userId: number;
  /** The presser's first name. */
  firstName: string;
  callbackQueryId: string;
  /** The newest message of the chat when the button was pressed: the press comes right after it. */
  afterMessageId: number;
  /** The pressed message as it was at that moment (text, entities, buttons). */
  message: TranscriptEntry;
}

export interface ChatActionRecord {
  chatId: number;
  action: string;
  topicId?: number;
  at: number;
}

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  /** Real-time ms timestamp (Date.now) when the request arrived. */
  at: number;
  /** HTTP status sent; 0 while in flight or when the connection was dropped. */
  status: number;
}

export interface FakeTelegramStats {
  /** Accepted calls of sending methods. */
  sent: number;
  /** Every 429 returned (flood limits and injected ones). */
  tooManyRequests: number;
  /** Completed getUpdates calls. */
  getUpdates: number;
}

export interface InjectedError {
  error_code: number;
  description?: string;
  retry_after?: number;
  parameters?: Record<string, unknown>;
}

export interface UserMessageInput {
  chatId: number;
  /** Default: chatId for private chats, DEFAULT_GROUP_USER_ID otherwise. */
  userId?: number;
  text?: string;
  /** Default 'private' if chatId > 0, else 'supergroup'. */
  chatType?: ChatType;
  chatTitle?: string;
  topicId?: number;
  isForum?: boolean;
  replyToMessageId?: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  isBot?: boolean;
  caption?: string;
  photo?: { fileId: string; width?: number; height?: number; fileSize?: number }[];
  document?: { fileId: string; fileName: string; mimeType: string; fileSize?: number };
  voice?: { fileId: string; duration?: number; mimeType?: string; fileSize?: number };
  audio?: {
    fileId: string;
    duration?: number;
    mimeType?: string;
    fileSize?: number;
    fileName?: string;
    title?: string;
    performer?: string;
  };
  /** Explicit entities; when given, no automatic bot_command/mention/url detection happens. */
  entities?: MessageEntity[];
  /** Extra raw fields merged into the Message. */
  extra?: Record<string, unknown>;
}

export interface EditUserMessageInput {
  chatId: number;
  messageId: number;
  text: string;
  entities?: MessageEntity[];
}

export interface PressButtonInput {
  chatId: number;
  messageId: number;
  data: string;
  userId?: number;
  firstName?: string;
  username?: string;
  languageCode?: string;
}

export interface AddFileOptions {
  filePath?: string;
  /** Reported size; lets tests fake a huge file without allocating it. */
  size?: number;
  fileName?: string;
  mimeType?: string;
}

export interface WaitForBotMessageOptions {
  timeoutMs?: number;
  /**
   * Which bot messages qualify: 'lastUserMessage' (default) = sent after the latest user message in
   * the chat at the time of the call; 'any' = all; a number = message ids greater than it.
   */
  since?: 'lastUserMessage' | 'any' | number;
  topicId?: number;
}

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  size: number;
  data: Uint8Array;
  fileName?: string;
  mimeType?: string;
}

export interface FakeTelegram {
  readonly apiRoot: string;
  readonly token: string;
  readonly botUser: UserFromGetMe;
  readonly calls: ApiCall[];
  readonly stats: FakeTelegramStats;
  /** The last `allowed_updates` a client sent (informational; updates are not filtered). */
  readonly allowedUpdates: readonly string[] | undefined;
  clearCalls(): void;
  callsOf(method: string): ApiCall[];

  sendUserMessage(input: UserMessageInput): Update;
  editUserMessage(input: EditUserMessageInput): Update;
  pressButton(input: PressButtonInput): Update;
  enqueueUpdate(raw: Record<string, unknown>): Update;
  addFile(data: Uint8Array | string, options?: AddFileOptions): string;
  file(fileId: string): StoredFile | undefined;

  transcript(chatId: number, topicId?: number): TranscriptEntry[];
  botMessages(chatId: number, topicId?: number): TranscriptEntry[];
  message(chatId: number, messageId: number): Message | undefined;
  drafts(chatId: number): Draft[];
  callbackAnswers(): CallbackAnswer[];
  /** Button presses made with `pressButton` in a chat, in order. */
  presses(chatId: number): ButtonPress[];
  chatActions(chatId: number): string[];
  chatActionRecords(chatId: number): ChatActionRecord[];
  commands(scope?: Record<string, unknown>, languageCode?: string): BotCommand[];
  /** The bot's description (setMyDescription) for a language ('' = default), as Telegram would show it. */
  description(languageCode?: string): string;
  /** The bot's short description (setMyShortDescription) for a language ('' = default). */
  shortDescription(languageCode?: string): string;
  pendingUpdates(): number;

  failNext(method: string, error: InjectedError, times?: number): void;
  failNextConnection(method: string, times?: number): void;
  delayNext(method: string, ms: number, times?: number): void;
  /** The next `times` file downloads (`/file/bot<token>/…`) fail: a reset connection or an HTTP error status. */
  failNextDownload(fault: 'reset' | { status: number }, times?: number): void;
  /** The download faults served so far, in order (`reset`, `status 500`). */
  downloadFaults(): string[];
  /** Drops every injected failure, connection drop, delay and download fault that no request took yet. */
  clearFaults(): void;
  /** Sending to this chat returns 403 "Forbidden: bot was blocked by the user". */
  blockChat(chatId: number, blocked?: boolean): void;
  setChatMember(chatId: number, userId: number, status: string): void;

  waitFor<T>(fn: () => Ready<T>, options?: { timeoutMs?: number; label?: string }): Promise<T>;
  waitForBotMessage(
    chatId: number,
    predicate?: (m: TranscriptEntry) => boolean,
    options?: number | WaitForBotMessageOptions,
  ): Promise<TranscriptEntry>;
  waitForCall(method: string, predicate?: (c: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** A human-readable dump of recent chat state and calls (used in timeout errors). */
  describe(): string;
  close(): Promise<void>;
}

const registry = new Map<string, FakeTelegram>();

/** Finds a live fake by its `apiRoot` (used by the child-bot helper to wait for polling). */
export function findFakeTelegram(apiRoot: string): FakeTelegram | undefined {
  return registry.get(apiRoot.replace(/\/+$/, ''));
}

class TgError extends Error {
  readonly code: number;
  readonly parameters: Record<string, unknown> | undefined;
  constructor(code: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

const badRequest = (text: string): TgError => new TgError(400, `Bad Request: ${text}`);

const SENDING_METHODS = new Set([
  'sendmessage',
  'editmessagetext',
  'editmessagecaption',
  'senddocument',
  'sendphoto',
  'editmessagereplymarkup',
  'deletemessage',
]);

const JSON_FIELDS = new Set([
  'reply_markup',
  'entities',
  'caption_entities',
  'link_preview_options',
  'reply_parameters',
  'allowed_updates',
  'commands',
  'scope',
  'media',
  'message_ids',
  'reaction',
  'menu_button',
]);
const NUMERIC_FIELDS = new Set([
  'chat_id',
  'message_id',
  'message_thread_id',
  'offset',
  'limit',
  'timeout',
  'draft_id',
  'reply_to_message_id',
  'user_id',
  'from_chat_id',
  'cache_time',
  'direct_messages_topic_id',
]);
const BOOLEAN_FIELDS = new Set([
  'show_alert',
  'disable_notification',
  'protect_content',
  'drop_pending_updates',
  'allow_sending_without_reply',
  'can_stop',
  'keep_on_stop',
  'has_spoiler',
  'disable_content_type_detection',
  'is_big',
  'show_caption_above_media',
]);

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  zip: 'application/zip',
  ics: 'text/calendar',
};

function normalisePayload(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    if (JSON_FIELDS.has(key)) {
      try {
        out[key] = JSON.parse(value);
      } catch {
        out[key] = value;
      }
    } else if (NUMERIC_FIELDS.has(key) && /^-?\d+$/.test(value)) {
      out[key] = Number(value);
    } else if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) {
      out[key] = value === 'true';
    } else {
      out[key] = value;
    }
  }
  return out;
}

function optNumber(p: Record<string, unknown>, key: string): number | undefined {
  const v = p[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function optString(p: Record<string, unknown>, key: string): string | undefined {
  const v = p[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function optBool(p: Record<string, unknown>, key: string): boolean {
  return p[key] === true || p[key] === 'true';
}

function entityArray(value: unknown): MessageEntity[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (e): e is MessageEntity => isRecord(e) && typeof e.type === 'string' && typeof e.offset === 'number',
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Returns the inline keyboard markup to attach to a message (only inline keyboards are attached). */
function validateReplyMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined || markup === null) return undefined;
  if (!isRecord(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
  if (!('inline_keyboard' in markup)) return undefined;
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
  for (const row of rows) {
    if (!Array.isArray(row))
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    for (const button of row) {
      if (!isRecord(button))
        throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      if (typeof button.text !== 'string') {
        throw badRequest(`can't parse inline keyboard button: Field "text" must be of type String`);
      }
      const actions = BUTTON_ACTIONS.filter((k) => button[k] !== undefined);
      if (actions.length === 0) {
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
      if (button.callback_data !== undefined) {
        const data = button.callback_data;
        if (typeof data !== 'string') {
          throw badRequest(`can't parse inline keyboard button: Field "callback_data" must be of type String`);
        }
        const bytes = Buffer.byteLength(data, 'utf8');
        if (bytes < 1 || bytes > 64) throw badRequest('BUTTON_DATA_INVALID');
      }
      if (button.url !== undefined) {
        const url = button.url;
        let ok = typeof url === 'string';
        if (ok && typeof url === 'string') {
          try {
            const parsed = new URL(url);
            ok = ['http:', 'https:', 'tg:', 'ton:'].includes(parsed.protocol);
          } catch {
            ok = false;
          }
        }
        if (!ok) throw badRequest('BUTTON_URL_INVALID');
      }
    }
  }
  if (rows.every((r) => Array.isArray(r) && r.length === 0)) return undefined;
  return markup as unknown as InlineKeyboardMarkup;
}

/** Telegram-like entity detection for user-typed text. */
function detectEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const commandRe = /(^|\s)(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?)/g;
  for (const m of text.matchAll(commandRe)) {
    const prefix = m[1] ?? '';
    const cmd = m[2] ?? '';
    entities.push({ type: 'bot_command', offset: (m.index ?? 0) + prefix.length, length: cmd.length });
  }
  const mentionRe = /(^|[^a-zA-Z0-9_/])(@[a-zA-Z0-9_]{5,32})/g;
  for (const m of text.matchAll(mentionRe)) {
    const prefix = m[1] ?? '';
    const mention = m[2] ?? '';
    const offset = (m.index ?? 0) + prefix.length;
    if (entities.some((e) => offset >= e.offset && offset < e.offset + e.length)) continue;
    entities.push({ type: 'mention', offset, length: mention.length });
  }
  const urlRe = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
  for (const m of text.matchAll(urlRe)) {
    entities.push({ type: 'url', offset: m.index ?? 0, length: m[0].length });
  }
  return entities.sort((a, b) => a.offset - b.offset);
}

interface StoredMessage {
  message: Record<string, unknown>;
  from: 'bot' | 'user';
  text: string;
  raw?: string;
  parseMode?: string;
  entities: MessageEntity[];
  replyMarkup?: unknown;
  edits: number;
  deleted: boolean;
  date: number;
  topicId?: number;
  replyToMessageId?: number;
  userId?: number;
  kind: TranscriptEntry['kind'];
  hasText: boolean;
  document?: TranscriptEntry['document'];
  photo?: TranscriptEntry['photo'];
  reactions?: unknown[];
}

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  order: number[];
  actions: ChatActionRecord[];
  drafts: Draft[];
  blocked: boolean;
  members: Map<number, string>;
  lastUserMessageId: number;
}

interface LongPoll {
  wake: () => void;
  conflict: () => void;
}

type Handler = (p: Record<string, unknown>, signal: AbortSignal) => unknown;

export async function createFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? DEFAULT_TELEGRAM_TOKEN;
  const botId = Number(token.split(':')[0]) || 123456;
  const botUsername = options.botUsername ?? DEFAULT_BOT_USERNAME;
  const strictAmpersand = options.strictAmpersand ?? true;
  const nowMs = options.now ?? Date.now;
  const nowSec = (): number => Math.floor(nowMs() / 1000);
  const limits: Required<FloodLimits> | undefined = options.enforceLimits
    ? {
        privatePerSec: 1,
        groupPerMin: 20,
        globalPerSec: 30,
        ...(typeof options.enforceLimits === 'object' ? options.enforceLimits : {}),
      }
    : undefined;

  const botUser: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: 'Assistant',
    username: botUsername,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };

  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = (): void => {
    events.emit('change');
  };

  const calls: ApiCall[] = [];
  const stats: FakeTelegramStats = { sent: 0, tooManyRequests: 0, getUpdates: 0 };
  const chats = new Map<number, ChatState>();
  const files = new Map<string, StoredFile>();
  const filesByPath = new Map<string, StoredFile>();
  const callbackQueries = new Map<string, { answered: boolean }>();
  const answers: CallbackAnswer[] = [];
  const presses: ButtonPress[] = [];
  const commandSets = new Map<string, BotCommand[]>();
  /** Descriptions by language code ('' = default); Telegram keeps them until they are set again. */
  const descriptions = new Map<string, string>();
  const shortDescriptions = new Map<string, string>();
  const failures = new Map<string, InjectedError[]>();
  const connectionFailures = new Map<string, number>();
  const delays = new Map<string, number[]>();
  const pendingDownloadFaults: ('reset' | { status: number })[] = [];
  const servedDownloadFaults: string[] = [];
  const floodWindows = new Map<string, number[]>();
  let queue: Update[] = [];
  let nextUpdateId = 1;
  let nextCallbackId = 1;
  let nextFileNumber = 1;
  let webhookUrl = '';
  let allowedUpdates: string[] | undefined;
  let currentPoll: LongPoll | undefined;
  let closed = false;

  // ---------------------------------------------------------------- chats and messages

  function ensureChat(
    chatId: number,
    hints: { type?: ChatType; title?: string; firstName?: string; username?: string; isForum?: boolean } = {},
  ): ChatState {
    let state = chats.get(chatId);
    const prevType = state?.chat.type === 'channel' ? undefined : state?.chat.type;
    const type: ChatType = hints.type ?? prevType ?? (chatId > 0 ? 'private' : 'supergroup');
    let chat: Chat;
    if (type === 'private') {
      const prev = state?.chat.type === 'private' ? state.chat : undefined;
      chat = { id: chatId, type: 'private', first_name: hints.firstName ?? prev?.first_name ?? 'User' };
      const username = hints.username ?? prev?.username;
      if (username) chat.username = username;
    } else if (type === 'group') {
      chat = { id: chatId, type: 'group', title: hints.title ?? state?.chat.title ?? `Group ${chatId}` };
    } else {
      chat = { id: chatId, type: 'supergroup', title: hints.title ?? state?.chat.title ?? `Group ${chatId}` };
      const forum = hints.isForum ?? (state?.chat.type === 'supergroup' ? state.chat.is_forum === true : false);
      if (forum) chat.is_forum = true;
    }
    if (!state) {
      state = {
        chat,
        nextMessageId: 1,
        messages: new Map(),
        order: [],
        actions: [],
        drafts: [],
        blocked: false,
        members: new Map(),
        lastUserMessageId: 0,
      };
      chats.set(chatId, state);
    } else {
      state.chat = chat;
    }
    return state;
  }

  function chatFromPayload(p: Record<string, unknown>): ChatState {
    const raw = p.chat_id;
    if (raw === undefined || raw === null || raw === '') throw badRequest('chat_id is empty');
    if (typeof raw === 'number') return chats.get(raw) ?? ensureChat(raw);
    if (typeof raw === 'string') {
      if (/^-?\d+$/.test(raw)) {
        const id = Number(raw);
        return chats.get(id) ?? ensureChat(id);
      }
      const name = raw.replace(/^@/, '').toLowerCase();
      for (const state of chats.values()) {
        if (state.chat.username?.toLowerCase() === name) return state;
      }
    }
    throw badRequest('chat not found');
  }

  function assertCanSend(state: ChatState): void {
    if (state.blocked) {
      throw new TgError(
        403,
        state.chat.type === 'private'
          ? 'Forbidden: bot was blocked by the user'
          : 'Forbidden: bot was kicked from the group chat',
      );
    }
  }

  function replyTarget(state: ChatState, p: Record<string, unknown>): Record<string, unknown> | undefined {
    const params = isRecord(p.reply_parameters) ? p.reply_parameters : undefined;
    const id = (params ? optNumber(params, 'message_id') : undefined) ?? optNumber(p, 'reply_to_message_id');
    if (id === undefined) return undefined;
    const target = state.messages.get(id);
    if (!target || target.deleted) {
      const allow =
        optBool(p, 'allow_sending_without_reply') || (params ? optBool(params, 'allow_sending_without_reply') : false);
      if (allow) return undefined;
      throw badRequest('message to be replied not found');
    }
    const copy = clone(target.message);
    delete copy.reply_to_message;
    return copy;
  }

  function storeMessage(
    state: ChatState,
    stored: Omit<StoredMessage, 'message'>,
    fields: Record<string, unknown>,
  ): StoredMessage {
    const messageId = state.nextMessageId++;
    const message: Record<string, unknown> = {
      message_id: messageId,
      ...fields,
      chat: clone(state.chat),
      date: stored.date,
    };
    if (stored.topicId !== undefined) {
      message.message_thread_id = stored.topicId;
      if (state.chat.type === 'supergroup' && state.chat.is_forum) message.is_topic_message = true;
    }
    const full: StoredMessage = { ...stored, message };
    state.messages.set(messageId, full);
    state.order.push(messageId);
    if (stored.from === 'user') state.lastUserMessageId = messageId;
    return full;
  }

  function findEditable(
    p: Record<string, unknown>,
    action: 'edit' | 'delete',
  ): { state: ChatState; stored: StoredMessage } {
    if (p.inline_message_id !== undefined)
      throw badRequest(action === 'edit' ? 'message to edit not found' : 'message to delete not found');
    const state = chatFromPayload(p);
    const id = optNumber(p, 'message_id');
    if (id === undefined) throw badRequest('message identifier is not specified');
    const stored = state.messages.get(id);
    if (!stored || stored.deleted)
      throw badRequest(action === 'edit' ? 'message to edit not found' : 'message to delete not found');
    return { state, stored };
  }

  function formatOrThrow(text: string, p: Record<string, unknown>, entitiesKey: 'entities' | 'caption_entities') {
    const parseMode = optString(p, 'parse_mode');
    const result = formatText(text, parseMode, entityArray(p[entitiesKey]), { strictAmpersand });
    if (!result.ok) throw badRequest(result.error);
    return { text: result.text, entities: result.entities, parseMode: parseMode || undefined };
  }

  function toEntry(stored: StoredMessage): TranscriptEntry {
    const entry: TranscriptEntry = {
      messageId: Number(stored.message.message_id),
      from: stored.from,
      text: stored.text,
      entities: clone(stored.entities),
      edits: stored.edits,
      deleted: stored.deleted,
      date: stored.date,
      kind: stored.kind,
    };
    if (stored.raw !== undefined) entry.raw = stored.raw;
    if (stored.parseMode !== undefined) entry.parseMode = stored.parseMode;
    if (stored.parseMode?.toLowerCase() === 'html' && stored.raw !== undefined) entry.html = stored.raw;
    if (stored.replyMarkup !== undefined) entry.replyMarkup = clone(stored.replyMarkup);
    if (stored.topicId !== undefined) entry.topicId = stored.topicId;
    if (stored.replyToMessageId !== undefined) entry.replyToMessageId = stored.replyToMessageId;
    if (stored.userId !== undefined) entry.userId = stored.userId;
    if (stored.document) entry.document = { ...stored.document };
    if (stored.photo) entry.photo = { ...stored.photo };
    if (stored.reactions) entry.reactions = clone(stored.reactions);
    return entry;
  }

  // ---------------------------------------------------------------- files

  function registerFile(data: Uint8Array, opts: AddFileOptions & { kind?: string } = {}): StoredFile {
    const n = nextFileNumber++;
    const fileId = `FAKE${(opts.kind ?? 'file').toUpperCase()}-${n}-${Math.random().toString(36).slice(2, 10)}`;
    const ext = opts.fileName?.split('.').pop();
    const filePath =
      opts.filePath ?? `${opts.kind ?? 'documents'}/file_${n}${ext && ext !== opts.fileName ? `.${ext}` : ''}`;
    const stored: StoredFile = {
      fileId,
      fileUniqueId: `U${n}${Math.random().toString(36).slice(2, 8)}`,
      filePath,
      size: opts.size ?? data.byteLength,
      data,
    };
    if (opts.fileName !== undefined) stored.fileName = opts.fileName;
    if (opts.mimeType !== undefined) stored.mimeType = opts.mimeType;
    files.set(fileId, stored);
    filesByPath.set(filePath, stored);
    return stored;
  }

  function inputFile(p: Record<string, unknown>, field: string, kind: string): StoredFile {
    const value = p[field];
    if (value instanceof UploadedFile) {
      const ext = value.filename.split('.').pop()?.toLowerCase() ?? '';
      const mime =
        value.contentType && value.contentType !== 'application/octet-stream'
          ? value.contentType
          : (MIME_BY_EXT[ext] ?? 'application/octet-stream');
      return registerFile(value.data, { fileName: value.filename, mimeType: mime, kind });
    }
    if (typeof value === 'string' && value !== '') {
      const known = files.get(value);
      if (known) return known;
      if (/^https?:\/\//.test(value)) {
        const name = value.split('/').pop() || 'file';
        const ext = name.split('.').pop()?.toLowerCase() ?? '';
        return registerFile(new Uint8Array(0), {
          fileName: name,
          mimeType: MIME_BY_EXT[ext] ?? 'application/octet-stream',
          kind,
        });
      }
      throw badRequest('wrong file identifier/HTTP URL specified');
    }
    throw badRequest(`there is no ${field} in the request`);
  }

  // ---------------------------------------------------------------- updates

  function pushUpdate(update: Update): Update {
    queue.push(update);
    currentPoll?.wake();
    changed();
    return update;
  }

  function availableUpdates(limit: number): Update[] {
    return queue.slice(0, limit).map((u) => clone(u));
  }

  function confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset > 0) queue = queue.filter((u) => u.update_id >= offset);
    else queue = queue.slice(offset);
  }

  // ---------------------------------------------------------------- flood control

  function floodCheck(method: string, p: Record<string, unknown>): (() => void) | undefined {
    if (!limits || !SENDING_METHODS.has(method)) return undefined;
    const now = nowMs();
    const rules: { key: string; windowMs: number; limit: number }[] = [
      { key: 'global', windowMs: 1000, limit: limits.globalPerSec },
    ];
    const chatId = optNumber(p, 'chat_id');
    if (chatId !== undefined) {
      if (chatId > 0) {
        const burst = Math.max(3, limits.privatePerSec);
        rules.push({ key: `chat:${chatId}`, windowMs: (burst / limits.privatePerSec) * 1000, limit: burst });
      } else {
        rules.push({ key: `chat:${chatId}`, windowMs: 60_000, limit: limits.groupPerMin });
      }
    }
    let retryAfter = 0;
    for (const rule of rules) {
      const times = (floodWindows.get(rule.key) ?? []).filter((t) => t > now - rule.windowMs);
      floodWindows.set(rule.key, times);
      const oldest = times[0];
      if (times.length >= rule.limit && oldest !== undefined) {
        retryAfter = Math.max(retryAfter, Math.ceil((oldest + rule.windowMs - now) / 1000), 1);
      }
    }
    if (retryAfter > 0) {
      throw new TgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    return () => {
      for (const rule of rules) floodWindows.get(rule.key)?.push(now);
    };
  }

  // ---------------------------------------------------------------- Bot API methods

  function sendText(p: Record<string, unknown>): Record<string, unknown> {
    const state = chatFromPayload(p);
    assertCanSend(state);
    const raw = optString(p, 'text') ?? '';
    const formatted = formatOrThrow(raw, p, 'entities');
    if (formatted.text === '') throw badRequest('message text is empty');
    if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
    const inline = validateReplyMarkup(p.reply_markup);
    const reply = replyTarget(state, p);
    const topicId = optNumber(p, 'message_thread_id');
    const fields: Record<string, unknown> = { from: clone(botUser), text: formatted.text };
    if (formatted.entities.length > 0) fields.entities = formatted.entities;
    if (reply) fields.reply_to_message = reply;
    if (inline) fields.reply_markup = clone(inline);
    if (isRecord(p.link_preview_options)) fields.link_preview_options = clone(p.link_preview_options);
    const stored = storeMessage(
      state,
      {
        from: 'bot',
        text: formatted.text,
        raw,
        entities: formatted.entities,
        edits: 0,
        deleted: false,
        date: nowSec(),
        kind: 'text',
        hasText: true,
        ...(formatted.parseMode ? { parseMode: formatted.parseMode } : {}),
        ...(p.reply_markup !== undefined ? { replyMarkup: clone(p.reply_markup) } : {}),
        ...(topicId !== undefined ? { topicId } : {}),
        ...(reply ? { replyToMessageId: Number(reply.message_id) } : {}),
      },
      fields,
    );
    return clone(stored.message);
  }

  function sendMedia(p: Record<string, unknown>, kind: 'document' | 'photo'): Record<string, unknown> {
    const state = chatFromPayload(p);
    assertCanSend(state);
    const file = inputFile(p, kind, kind === 'photo' ? 'photos' : 'documents');
    const rawCaption = optString(p, 'caption') ?? '';
    const caption = formatOrThrow(rawCaption, p, 'caption_entities');
    if (caption.text.length > MAX_CAPTION_LENGTH) throw badRequest('message caption is too long');
    const inline = validateReplyMarkup(p.reply_markup);
    const reply = replyTarget(state, p);
    const topicId = optNumber(p, 'message_thread_id');
    const fields: Record<string, unknown> = { from: clone(botUser) };
    if (kind === 'document') {
      const doc: Document = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size };
      if (file.fileName !== undefined) doc.file_name = file.fileName;
      if (file.mimeType !== undefined) doc.mime_type = file.mimeType;
      fields.document = doc;
    } else {
      const photo: PhotoSize[] = [
        { file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 800, height: 600, file_size: file.size },
      ];
      fields.photo = photo;
    }
    if (caption.text !== '') fields.caption = caption.text;
    if (caption.entities.length > 0) fields.caption_entities = caption.entities;
    if (reply) fields.reply_to_message = reply;
    if (inline) fields.reply_markup = clone(inline);
    const stored = storeMessage(
      state,
      {
        from: 'bot',
        text: caption.text,
        raw: rawCaption,
        entities: caption.entities,
        edits: 0,
        deleted: false,
        date: nowSec(),
        kind,
        hasText: false,
        ...(caption.parseMode ? { parseMode: caption.parseMode } : {}),
        ...(p.reply_markup !== undefined ? { replyMarkup: clone(p.reply_markup) } : {}),
        ...(topicId !== undefined ? { topicId } : {}),
        ...(reply ? { replyToMessageId: Number(reply.message_id) } : {}),
        ...(kind === 'document'
          ? {
              document: {
                fileId: file.fileId,
                size: file.size,
                ...(file.fileName !== undefined ? { fileName: file.fileName } : {}),
                ...(file.mimeType !== undefined ? { mimeType: file.mimeType } : {}),
              },
            }
          : { photo: { fileId: file.fileId, size: file.size } }),
      },
      fields,
    );
    return clone(stored.message);
  }

  function editText(p: Record<string, unknown>, field: 'text' | 'caption'): Record<string, unknown> {
    const { state, stored } = findEditable(p, 'edit');
    assertCanSend(state);
    if (stored.from !== 'bot') throw badRequest("message can't be edited");
    if (field === 'text' && !stored.hasText) throw badRequest('there is no text in the message to edit');
    if (field === 'caption' && stored.hasText) throw badRequest('there is no caption in the message to edit');
    const raw = optString(p, field) ?? '';
    const formatted = formatOrThrow(raw, p, field === 'text' ? 'entities' : 'caption_entities');
    if (field === 'text' && formatted.text === '') throw badRequest('message text is empty');
    if (field === 'text' && formatted.text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
    if (field === 'caption' && formatted.text.length > MAX_CAPTION_LENGTH)
      throw badRequest('message caption is too long');
    const inline = validateReplyMarkup(p.reply_markup);
    if (
      formatted.text === stored.text &&
      sameJson(formatted.entities, stored.entities) &&
      sameJson(inline, stored.message.reply_markup)
    ) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    const m = stored.message;
    const entitiesKey = field === 'text' ? 'entities' : 'caption_entities';
    if (formatted.text === '') delete m[field];
    else m[field] = formatted.text;
    if (formatted.entities.length > 0) m[entitiesKey] = formatted.entities;
    else delete m[entitiesKey];
    if (inline) m.reply_markup = clone(inline);
    else delete m.reply_markup;
    m.edit_date = nowSec();
    stored.text = formatted.text;
    stored.raw = raw;
    stored.entities = formatted.entities;
    if (formatted.parseMode) stored.parseMode = formatted.parseMode;
    else delete stored.parseMode;
    if (p.reply_markup !== undefined) stored.replyMarkup = clone(p.reply_markup);
    else delete stored.replyMarkup;
    stored.edits++;
    return clone(m);
  }

  const handlers: Record<string, Handler> = {
    getMe: () => clone(botUser),
    logOut: () => true,
    close: () => true,
    deleteWebhook: (p) => {
      webhookUrl = '';
      if (optBool(p, 'drop_pending_updates')) queue = [];
      return true;
    },
    setWebhook: (p) => {
      webhookUrl = optString(p, 'url') ?? '';
      if (optBool(p, 'drop_pending_updates')) queue = [];
      return true;
    },
    getWebhookInfo: () => ({ url: webhookUrl, has_custom_certificate: false, pending_update_count: queue.length }),
    getUpdates: async (p, signal) => {
      if (webhookUrl) {
        throw new TgError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      }
      const limit = Math.min(100, Math.max(1, optNumber(p, 'limit') ?? 100));
      const timeout = Math.max(0, optNumber(p, 'timeout') ?? 0);
      if (Array.isArray(p.allowed_updates))
        allowedUpdates = p.allowed_updates.filter((x): x is string => typeof x === 'string');
      confirm(optNumber(p, 'offset'));
      currentPoll?.conflict();
      currentPoll = undefined;
      if (queue.length > 0 || timeout === 0 || closed) return availableUpdates(limit);
      let conflicted = false;
      await new Promise<void>((resolve) => {
        const poll: LongPoll = {
          wake: () => finish(),
          conflict: () => {
            conflicted = true;
            finish();
          },
        };
        const timer = setTimeout(() => finish(), timeout * 1000);
        timer.unref();
        signal.addEventListener('abort', () => finish(), { once: true });
        function finish(): void {
          clearTimeout(timer);
          if (currentPoll === poll) currentPoll = undefined;
          resolve();
        }
        currentPoll = poll;
      });
      if (conflicted) {
        throw new TgError(
          409,
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        );
      }
      return availableUpdates(limit);
    },
    sendMessage: (p) => sendText(p),
    sendDocument: (p) => sendMedia(p, 'document'),
    sendPhoto: (p) => sendMedia(p, 'photo'),
    editMessageText: (p) => editText(p, 'text'),
    editMessageCaption: (p) => editText(p, 'caption'),
    editMessageReplyMarkup: (p) => {
      const { state, stored } = findEditable(p, 'edit');
      assertCanSend(state);
      if (stored.from !== 'bot') throw badRequest("message can't be edited");
      const inline = validateReplyMarkup(p.reply_markup);
      if (sameJson(inline, stored.message.reply_markup)) {
        throw badRequest(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      if (inline) stored.message.reply_markup = clone(inline);
      else delete stored.message.reply_markup;
      if (p.reply_markup !== undefined) stored.replyMarkup = clone(p.reply_markup);
      else delete stored.replyMarkup;
      return clone(stored.message);
    },
    deleteMessage: (p) => {
      const { stored } = findEditable(p, 'delete');
      stored.deleted = true;
      return true;
    },
    deleteMessages: (p) => {
      const state = chatFromPayload(p);
      const ids = Array.isArray(p.message_ids) ? p.message_ids : [];
      for (const id of ids) {
        const stored = typeof id === 'number' ? state.messages.get(id) : undefined;
        if (stored) stored.deleted = true;
      }
      return true;
    },
    setMessageReaction: (p) => {
      const { stored } = findEditable(p, 'edit');
      stored.reactions = Array.isArray(p.reaction) ? clone(p.reaction) : [];
      return true;
    },
    answerCallbackQuery: (p) => {
      const id = optString(p, 'callback_query_id') ?? '';
      const query = callbackQueries.get(id);
      if (!query || query.answered) {
        throw badRequest('query is too old and response timeout expired or query ID is invalid');
      }
      query.answered = true;
      const answer: CallbackAnswer = { callbackQueryId: id, showAlert: optBool(p, 'show_alert'), at: nowMs() };
      const text = optString(p, 'text');
      if (text !== undefined) answer.text = text;
      const url = optString(p, 'url');
      if (url !== undefined) answer.url = url;
      const cacheTime = optNumber(p, 'cache_time');
      if (cacheTime !== undefined) answer.cacheTime = cacheTime;
      answers.push(answer);
      return true;
    },
    sendChatAction: (p) => {
      const state = chatFromPayload(p);
      assertCanSend(state);
      const action = optString(p, 'action') ?? '';
      if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
      const record: ChatActionRecord = { chatId: state.chat.id, action, at: nowMs() };
      const topicId = optNumber(p, 'message_thread_id');
      if (topicId !== undefined) record.topicId = topicId;
      state.actions.push(record);
      return true;
    },
    sendMessageDraft: (p) => {
      const state = chatFromPayload(p);
      assertCanSend(state);
      const draftId = optNumber(p, 'draft_id') ?? 0;
      if (draftId === 0) throw badRequest('draft_id must be non-zero');
      const raw = optString(p, 'text') ?? '';
      const formatted = formatOrThrow(raw, p, 'entities');
      if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
      const draft: Draft = {
        chatId: state.chat.id,
        draftId,
        text: formatted.text,
        raw,
        entities: formatted.entities,
        at: nowMs(),
      };
      if (formatted.parseMode) draft.parseMode = formatted.parseMode;
      const topicId = optNumber(p, 'message_thread_id');
      if (topicId !== undefined) draft.topicId = topicId;
      state.drafts.push(draft);
      return true;
    },
    setMyCommands: (p) => {
      const list = Array.isArray(p.commands) ? p.commands : undefined;
      if (!list) throw badRequest('parameter "commands" is required');
      if (list.length > 100) throw badRequest('too many commands specified');
      const commands: BotCommand[] = [];
      for (const c of list) {
        if (!isRecord(c) || typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
          throw badRequest('BOT_COMMAND_INVALID');
        }
        if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
          throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
        }
        commands.push({ command: c.command, description: c.description });
      }
      commandSets.set(commandKey(p.scope, optString(p, 'language_code')), commands);
      return true;
    },
    getMyCommands: (p) => clone(commandSets.get(commandKey(p.scope, optString(p, 'language_code'))) ?? []),
    deleteMyCommands: (p) => {
      commandSets.delete(commandKey(p.scope, optString(p, 'language_code')));
      return true;
    },
    setMyDescription: (p) => {
      const text = optString(p, 'description') ?? '';
      if (text.length > 512) throw badRequest('BOT_DESCRIPTION_INVALID');
      if (text === '') descriptions.delete(optString(p, 'language_code') ?? '');
      else descriptions.set(optString(p, 'language_code') ?? '', text);
      return true;
    },
    getMyDescription: (p) => ({ description: descriptions.get(optString(p, 'language_code') ?? '') ?? '' }),
    setMyShortDescription: (p) => {
      const text = optString(p, 'short_description') ?? '';
      if (text.length > 120) throw badRequest('BOT_SHORT_DESCRIPTION_INVALID');
      if (text === '') shortDescriptions.delete(optString(p, 'language_code') ?? '');
      else shortDescriptions.set(optString(p, 'language_code') ?? '', text);
      return true;
    },
    getMyShortDescription: (p) => ({
      short_description: shortDescriptions.get(optString(p, 'language_code') ?? '') ?? '',
    }),
    setMyName: () => true,
    setChatMenuButton: () => true,
    getFile: (p) => {
      const id = optString(p, 'file_id') ?? '';
      const file = files.get(id);
      if (!file) throw badRequest('invalid file_id');
      if (file.size > MAX_DOWNLOAD_SIZE) throw badRequest('file is too big');
      const result: File = {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        file_size: file.size,
        file_path: file.filePath,
      };
      return result;
    },
    getChat: (p) => {
      const raw = p.chat_id;
      const id = typeof raw === 'number' ? raw : undefined;
      const state = id !== undefined ? chats.get(id) : undefined;
      if (!state) {
        if (typeof raw === 'string')
          return { ...clone(chatFromPayload(p).chat), accent_color_id: 0, max_reaction_count: 11 };
        throw badRequest('chat not found');
      }
      return { ...clone(state.chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: {} };
    },
    getChatMember: (p) => {
      const state = chatFromPayload(p);
      const userId = optNumber(p, 'user_id');
      if (userId === undefined) throw badRequest('user not found');
      const status =
        state.members.get(userId) ?? (userId === botId && state.chat.type !== 'private' ? 'administrator' : 'member');
      const user: User =
        userId === botId ? clone(botUser) : { id: userId, is_bot: false, first_name: state.chat.first_name ?? 'User' };
      return { status, user };
    },
  };

  function commandKey(scope: unknown, languageCode: string | undefined): string {
    return JSON.stringify([isRecord(scope) ? scope : { type: 'default' }, languageCode ?? '']);
  }

  const handlerByLower = new Map<string, { name: string; fn: Handler }>();
  for (const [name, fn] of Object.entries(handlers)) handlerByLower.set(name.toLowerCase(), { name, fn });

  /** Fault injection on a method the fake does not implement would silently never fire. */
  function knownMethod(method: string): string {
    const key = method.toLowerCase();
    if (!handlerByLower.has(key)) {
      throw new Error(`fake Telegram: unknown method "${method}" (known: ${Object.keys(handlers).join(', ')})`);
    }
    return key;
  }

  // ---------------------------------------------------------------- HTTP

  function respondError(res: ServerResponse, call: ApiCall | undefined, error: TgError): void {
    if (error.code === 429) stats.tooManyRequests++;
    const body: Record<string, unknown> = { ok: false, error_code: error.code, description: error.message };
    if (error.parameters) body.parameters = error.parameters;
    sendJson(res, error.code, body);
    if (call) call.status = error.code;
    changed();
  }

  async function parseBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const body = await readBody(req);
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (body.length === 0) return {};
    if (type.includes('multipart/form-data')) {
      const parts = parseMultipart(body, req.headers['content-type'] ?? '');
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(parts)) {
        if (typeof value === 'string' && value.startsWith('attach://')) {
          const file = parts[value.slice('attach://'.length)];
          out[key] = file instanceof UploadedFile ? file : value;
        } else if (!(value instanceof UploadedFile) || !Object.values(parts).includes(`attach://${key}`)) {
          out[key] = value;
        }
      }
      return out;
    }
    if (type.includes('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (!isRecord(parsed)) throw badRequest("can't parse JSON object");
    return parsed;
  }

  function takeFailure(method: string): InjectedError | undefined {
    const list = failures.get(method);
    const next = list?.shift();
    if (list && list.length === 0) failures.delete(method);
    return next;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const fault = pendingDownloadFaults.shift();
      if (fault === 'reset') {
        servedDownloadFaults.push('reset');
        req.socket.resetAndDestroy();
        changed();
        return;
      }
      if (fault) {
        servedDownloadFaults.push(`status ${fault.status}`);
        changed();
        return sendJson(res, fault.status, {
          ok: false,
          error_code: fault.status,
          description: defaultDescription(fault.status),
        });
      }
      if (fileMatch[1] !== token)
        return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const file = filesByPath.get(decodeURIComponent(fileMatch[2] ?? ''));
      if (!file) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.byteLength });
      res.end(file.data);
      return;
    }
    const m = /^\/bot([^/]*)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== token) {
      await readBody(req).catch(() => undefined);
      return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    const requested = m[2] ?? '';
    const handler = handlerByLower.get(requested.toLowerCase());
    const signal = clientGone(res);
    let payload: Record<string, unknown>;
    try {
      payload = normalisePayload({ ...Object.fromEntries(url.searchParams), ...(await parseBody(req)) });
    } catch (error) {
      if (error instanceof TgError) return respondError(res, undefined, error);
      return; // client went away while sending the body
    }
    const call: ApiCall = { method: handler?.name ?? requested, payload, at: Date.now(), status: 0 };
    calls.push(call);
    changed();
    if (!handler) return respondError(res, call, new TgError(404, 'Not Found'));
    const key = handler.name.toLowerCase();

    const pendingDelays = delays.get(key);
    const wait = pendingDelays?.shift();
    if (pendingDelays && pendingDelays.length === 0) delays.delete(key);
    if (wait !== undefined) await delay(wait, signal);
    if (signal.aborted || closed) return;

    const drops = connectionFailures.get(key) ?? 0;
    if (drops > 0) {
      connectionFailures.set(key, drops - 1);
      call.status = 0;
      req.socket.destroy();
      changed();
      return;
    }
    const injected = takeFailure(key);
    if (injected) {
      const parameters: Record<string, unknown> = { ...(injected.parameters ?? {}) };
      let description = injected.description;
      if (injected.error_code === 429) {
        const retryAfter = injected.retry_after ?? 1;
        parameters.retry_after = retryAfter;
        description ??= `Too Many Requests: retry after ${retryAfter}`;
      } else if (injected.retry_after !== undefined) {
        parameters.retry_after = injected.retry_after;
      }
      description ??= defaultDescription(injected.error_code);
      return respondError(
        res,
        call,
        new TgError(injected.error_code, description, Object.keys(parameters).length > 0 ? parameters : undefined),
      );
    }
    try {
      const commit = floodCheck(key, payload);
      const result = await handler.fn(payload, signal);
      if (signal.aborted) return;
      commit?.();
      if (SENDING_METHODS.has(key)) stats.sent++;
      if (key === 'getupdates') stats.getUpdates++;
      call.status = 200;
      sendJson(res, 200, { ok: true, result });
      changed();
    } catch (error) {
      if (signal.aborted) return; // e.g. a long poll superseded after its client went away
      if (error instanceof TgError) return respondError(res, call, error);
      const message = error instanceof Error ? error.message : String(error);
      respondError(res, call, new TgError(500, `Internal Server Error: ${message}`));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: String(error) });
    });
  });
  // As the real service: idle connections stay open between calls (a 1 s hint made undici and node's agent reconnect
  // for every call, a cost no real deployment pays). close() still ends them all.
  server.keepAliveTimeout = 65_000;
  const apiRoot = await listen(server);

  // ---------------------------------------------------------------- test driver

  function userFor(input: {
    userId?: number;
    chatId: number;
    firstName?: string;
    lastName?: string;
    username?: string;
    languageCode?: string;
    isBot?: boolean;
  }): User {
    const user: User = {
      id: input.userId ?? (input.chatId > 0 ? input.chatId : DEFAULT_GROUP_USER_ID),
      is_bot: input.isBot ?? false,
      first_name: input.firstName ?? 'Tester',
      language_code: input.languageCode ?? 'en',
    };
    if (input.lastName !== undefined) user.last_name = input.lastName;
    if (input.username !== undefined) user.username = input.username;
    return user;
  }

  function describeChat(state: ChatState, max = 12): string {
    const lines: string[] = [];
    const entries = state.order
      .slice(-max)
      .map((id) => state.messages.get(id))
      .filter((s) => s !== undefined);
    for (const s of entries) {
      const flags = [
        s.deleted ? 'deleted' : '',
        s.edits > 0 ? `edits=${s.edits}` : '',
        s.topicId !== undefined ? `topic=${s.topicId}` : '',
      ]
        .filter(Boolean)
        .join(',');
      const text = s.text.length > 300 ? `${s.text.slice(0, 300)}…` : s.text;
      lines.push(
        `    #${String(s.message.message_id)} ${s.from}${flags ? ` [${flags}]` : ''}: ${JSON.stringify(text)}`,
      );
    }
    const drafts = state.drafts.slice(-3).map((d) => `    draft ${d.draftId}: ${JSON.stringify(d.text.slice(0, 120))}`);
    return [`  chat ${state.chat.id} (${state.chat.type}):`, ...lines, ...drafts].join('\n');
  }

  function describe(): string {
    const parts: string[] = ['Fake Telegram state:'];
    if (chats.size === 0) parts.push('  (no chats)');
    for (const state of chats.values()) parts.push(describeChat(state));
    parts.push(`  pending updates: ${queue.length}`);
    const recent = calls.slice(-15).map((c) => {
      const chat = c.payload.chat_id !== undefined ? ` chat=${String(c.payload.chat_id)}` : '';
      return `    ${c.method}${chat} -> ${c.status || 'pending/dropped'}`;
    });
    parts.push('  recent calls:', ...(recent.length ? recent : ['    (none)']));
    return parts.join('\n');
  }

  const fake: FakeTelegram = {
    apiRoot,
    token,
    botUser,
    calls,
    stats,
    get allowedUpdates() {
      return allowedUpdates;
    },
    clearCalls() {
      calls.length = 0;
    },
    callsOf(method) {
      const lower = method.toLowerCase();
      return calls.filter((c) => c.method.toLowerCase() === lower);
    },

    sendUserMessage(input) {
      const chatType = input.chatType ?? (input.chatId > 0 ? 'private' : 'supergroup');
      const user = userFor(input);
      const state = ensureChat(input.chatId, {
        type: chatType,
        ...(input.chatTitle !== undefined ? { title: input.chatTitle } : {}),
        ...(chatType === 'private' ? { firstName: user.first_name } : {}),
        ...(chatType === 'private' && input.username !== undefined ? { username: input.username } : {}),
        ...(input.isForum !== undefined ? { isForum: input.isForum } : {}),
      });
      const fields: Record<string, unknown> = { from: user };
      let text = '';
      let kind: TranscriptEntry['kind'] = 'text';
      const body = input.text ?? input.caption;
      const entities = input.entities ?? (body !== undefined ? detectEntities(body) : []);
      const isMedia =
        input.photo !== undefined ||
        input.document !== undefined ||
        input.voice !== undefined ||
        input.audio !== undefined;
      if (isMedia) {
        const caption = input.caption ?? input.text;
        if (caption !== undefined) {
          fields.caption = caption;
          if (entities.length > 0) fields.caption_entities = entities;
          text = caption;
        }
      } else {
        if (input.text === undefined && input.extra === undefined)
          throw new Error('sendUserMessage: give text, a media field or extra');
        if (input.text !== undefined) {
          fields.text = input.text;
          text = input.text;
          if (entities.length > 0) fields.entities = entities;
        } else kind = 'other';
      }
      let document: TranscriptEntry['document'];
      let photo: TranscriptEntry['photo'];
      if (input.photo) {
        kind = 'photo';
        fields.photo = input.photo.map((ph, i) => {
          const size: PhotoSize = {
            file_id: ph.fileId,
            file_unique_id: `U${ph.fileId.slice(-12)}${i}`,
            width: ph.width ?? 90 * (i + 1),
            height: ph.height ?? 60 * (i + 1),
          };
          if (ph.fileSize !== undefined) size.file_size = ph.fileSize;
          return size;
        });
        const largest = input.photo.at(-1);
        if (largest)
          photo = { fileId: largest.fileId, ...(largest.fileSize !== undefined ? { size: largest.fileSize } : {}) };
      }
      if (input.document) {
        kind = 'document';
        const d = input.document;
        const doc: Document = {
          file_id: d.fileId,
          file_unique_id: `U${d.fileId.slice(-12)}`,
          file_name: d.fileName,
          mime_type: d.mimeType,
        };
        if (d.fileSize !== undefined) doc.file_size = d.fileSize;
        fields.document = doc;
        document = {
          fileId: d.fileId,
          fileName: d.fileName,
          mimeType: d.mimeType,
          ...(d.fileSize !== undefined ? { size: d.fileSize } : {}),
        };
      }
      if (input.voice) {
        kind = 'voice';
        const v = input.voice;
        const voice: Voice = {
          file_id: v.fileId,
          file_unique_id: `U${v.fileId.slice(-12)}`,
          duration: v.duration ?? 1,
          mime_type: v.mimeType ?? 'audio/ogg',
        };
        if (v.fileSize !== undefined) voice.file_size = v.fileSize;
        fields.voice = voice;
      }
      if (input.audio) {
        kind = 'audio';
        const a = input.audio;
        const audio: Audio = {
          file_id: a.fileId,
          file_unique_id: `U${a.fileId.slice(-12)}`,
          duration: a.duration ?? 1,
          mime_type: a.mimeType ?? 'audio/mpeg',
        };
        if (a.fileSize !== undefined) audio.file_size = a.fileSize;
        if (a.fileName !== undefined) audio.file_name = a.fileName;
        if (a.title !== undefined) audio.title = a.title;
        if (a.performer !== undefined) audio.performer = a.performer;
        fields.audio = audio;
      }
      let replyToMessageId: number | undefined;
      if (input.replyToMessageId !== undefined) {
        const target = state.messages.get(input.replyToMessageId);
        if (!target)
          throw new Error(`sendUserMessage: message ${input.replyToMessageId} not found in chat ${input.chatId}`);
        const copy = clone(target.message);
        delete copy.reply_to_message;
        fields.reply_to_message = copy;
        replyToMessageId = input.replyToMessageId;
      }
      if (input.extra) Object.assign(fields, clone(input.extra));
      const stored = storeMessage(
        state,
        {
          from: 'user',
          text,
          entities,
          edits: 0,
          deleted: false,
          date: nowSec(),
          kind,
          hasText: input.text !== undefined && !isMedia,
          userId: user.id,
          ...(input.topicId !== undefined ? { topicId: input.topicId } : {}),
          ...(replyToMessageId !== undefined ? { replyToMessageId } : {}),
          ...(document ? { document } : {}),
          ...(photo ? { photo } : {}),
        },
        fields,
      );
      if (input.topicId !== undefined) stored.message.is_topic_message = true;
      return pushUpdate({ update_id: nextUpdateId++, message: clone(stored.message) as unknown as Update['message'] });
    },

    editUserMessage(input) {
      const state = chats.get(input.chatId);
      const stored = state?.messages.get(input.messageId);
      if (!state || !stored || stored.from !== 'user') {
        throw new Error(`editUserMessage: user message ${input.messageId} not found in chat ${input.chatId}`);
      }
      const entities = input.entities ?? detectEntities(input.text);
      stored.message.text = input.text;
      if (entities.length > 0) stored.message.entities = entities;
      else delete stored.message.entities;
      stored.message.edit_date = nowSec();
      stored.text = input.text;
      stored.entities = entities;
      stored.edits++;
      return pushUpdate({
        update_id: nextUpdateId++,
        edited_message: clone(stored.message) as unknown as Update['edited_message'],
      });
    },

    pressButton(input) {
      const state = chats.get(input.chatId);
      const stored = state?.messages.get(input.messageId);
      if (!state || !stored)
        throw new Error(`pressButton: message ${input.messageId} not found in chat ${input.chatId}`);
      if (stored.deleted)
        throw new Error(`pressButton: message ${input.messageId} in chat ${input.chatId} was deleted`);
      const id = `${botId}${String(nextCallbackId++).padStart(6, '0')}`;
      callbackQueries.set(id, { answered: false });
      const query: CallbackQuery = {
        id,
        from: userFor(input),
        message: clone(stored.message) as unknown as CallbackQuery['message'],
        chat_instance: String(-(Math.abs(input.chatId) * 7919 + 17)),
        data: input.data,
      };
      presses.push({
        chatId: input.chatId,
        messageId: input.messageId,
        data: input.data,
        userId: query.from.id,
        firstName: query.from.first_name,
        callbackQueryId: id,
        afterMessageId: state.order.at(-1) ?? 0,
        message: toEntry(stored),
      });
      return pushUpdate({ update_id: nextUpdateId++, callback_query: query });
    },

    enqueueUpdate(raw) {
      const update = clone(raw) as Record<string, unknown>;
      if (typeof update.update_id === 'number') nextUpdateId = Math.max(nextUpdateId, update.update_id + 1);
      else update.update_id = nextUpdateId++;
      return pushUpdate(update as unknown as Update);
    },

    addFile(data, opts = {}) {
      const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data;
      return registerFile(bytes, opts).fileId;
    },
    file(fileId) {
      return files.get(fileId);
    },

    transcript(chatId, topicId) {
      const state = chats.get(chatId);
      if (!state) return [];
      return state.order
        .map((id) => state.messages.get(id))
        .filter((s): s is StoredMessage => s !== undefined && (topicId === undefined || s.topicId === topicId))
        .map(toEntry);
    },
    botMessages(chatId, topicId) {
      return fake.transcript(chatId, topicId).filter((e) => e.from === 'bot' && !e.deleted);
    },
    message(chatId, messageId) {
      const stored = chats.get(chatId)?.messages.get(messageId);
      return stored ? (clone(stored.message) as unknown as Message) : undefined;
    },
    drafts(chatId) {
      return clone(chats.get(chatId)?.drafts ?? []);
    },
    callbackAnswers() {
      return clone(answers);
    },
    presses(chatId) {
      return clone(presses.filter((p) => p.chatId === chatId));
    },
    chatActions(chatId) {
      return (chats.get(chatId)?.actions ?? []).map((a) => a.action);
    },
    chatActionRecords(chatId) {
      return clone(chats.get(chatId)?.actions ?? []);
    },
    commands(scope, languageCode) {
      return clone(commandSets.get(commandKey(scope, languageCode)) ?? []);
    },
    description(languageCode = '') {
      return descriptions.get(languageCode) ?? '';
    },
    shortDescription(languageCode = '') {
      return shortDescriptions.get(languageCode) ?? '';
    },
    pendingUpdates() {
      return queue.length;
    },

    failNext(method, error, times = 1) {
      const key = knownMethod(method);
      const list = failures.get(key) ?? [];
      for (let i = 0; i < times; i++) list.push({ ...error });
      failures.set(key, list);
    },
    failNextConnection(method, times = 1) {
      const key = knownMethod(method);
      connectionFailures.set(key, (connectionFailures.get(key) ?? 0) + times);
    },
    delayNext(method, ms, times = 1) {
      const key = knownMethod(method);
      const list = delays.get(key) ?? [];
      for (let i = 0; i < times; i++) list.push(ms);
      delays.set(key, list);
    },
    failNextDownload(fault, times = 1) {
      for (let i = 0; i < times; i++) pendingDownloadFaults.push(fault);
    },
    downloadFaults() {
      return [...servedDownloadFaults];
    },
    clearFaults() {
      failures.clear();
      connectionFailures.clear();
      delays.clear();
      pendingDownloadFaults.length = 0;
    },
    blockChat(chatId, blocked = true) {
      ensureChat(chatId).blocked = blocked;
    },
    setChatMember(chatId, userId, status) {
      ensureChat(chatId).members.set(userId, status);
    },

    waitFor(fn, opts = {}) {
      return waitUntil(fn, {
        ...opts,
        subscribe: (listener) => {
          events.on('change', listener);
          return () => events.off('change', listener);
        },
        describe,
        cancelled: () => (closed ? 'fake Telegram closed' : undefined),
      });
    },
    waitForBotMessage(chatId, predicate, opts) {
      const o: WaitForBotMessageOptions = typeof opts === 'number' ? { timeoutMs: opts } : (opts ?? {});
      const since = o.since ?? 'lastUserMessage';
      const after =
        since === 'any' ? 0 : since === 'lastUserMessage' ? (chats.get(chatId)?.lastUserMessageId ?? 0) : since;
      return fake.waitFor(
        () => fake.botMessages(chatId, o.topicId).find((m) => m.messageId > after && (predicate ? predicate(m) : true)),
        { timeoutMs: o.timeoutMs ?? 5000, label: `bot message in chat ${chatId} after #${after}` },
      );
    },
    waitForCall(method, predicate, timeoutMs = 5000) {
      const start = calls.length;
      const lower = method.toLowerCase();
      return fake.waitFor(
        () => calls.slice(start).find((c) => c.method.toLowerCase() === lower && (predicate ? predicate(c) : true)),
        { timeoutMs, label: `call ${method}` },
      );
    },
    describe,

    async close() {
      if (closed) return;
      closed = true;
      registry.delete(apiRoot);
      currentPoll?.wake();
      changed();
      // Let woken long polls answer before the sockets are torn down.
      await new Promise((resolve) => setImmediate(resolve));
      await closeServer(server);
    },
  };
  registry.set(apiRoot, fake);
  return fake;
}

function defaultDescription(code: number): string {
  switch (code) {
    case 400:
      return 'Bad Request';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden: bot was blocked by the user';
    case 404:
      return 'Not Found';
    case 409:
      return 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
    case 500:
      return 'Internal Server Error';
    case 502:
      return 'Bad Gateway';
    default:
      return `Error ${code}`;
  }
}

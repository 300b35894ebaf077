/** Where a message goes: a chat, and optionally a forum topic in it. */
export interface ChatRef {
  chatId: number;
  /** Forum topic (`message_thread_id`), if any. */
  topicId?: number;
}

/** An inline button: either callback data (≤ 64 bytes) or a URL. */
export type Button = { text: string; data: string } | { text: string; url: string };
export type Keyboard = Button[][];

export interface OutMessage {
  text: string;
  /** `markdown` (the model's output, converted to Telegram HTML), `html` (already safe), or `plain`. Default markdown. */
  format?: 'markdown' | 'html' | 'plain';
  keyboard?: Keyboard;
  replyTo?: number;
  /** When set, a second send with the same key returns the first delivery instead of posting again. */
  dedupeKey?: string;
  silent?: boolean;
}

/** Delivery is confirmed only by Telegram's `message_id`; permanent failures are returned as values. */
export type Delivery =
  | { ok: true; messageIds: number[] }
  | { ok: false; reason: 'blocked' | 'chat_not_found' | 'failed'; message: string };

/** The one outbound path to Telegram, shared by replies, edits, schedules and approvals. Rate-limited per chat. */
export interface Outbox {
  send(to: ChatRef, message: OutMessage): Promise<Delivery>;
  /** Replaces a message's text (and keyboard). "Message is not modified" counts as success. */
  edit(to: ChatRef, messageId: number, message: OutMessage): Promise<Delivery>;
  /** Replaces (or with `undefined`, removes) a message's inline keyboard. */
  editKeyboard(to: ChatRef, messageId: number, keyboard: Keyboard | undefined): Promise<Delivery>;
  /** Uploads a file; with `photo` it is sent as a picture (PNG/JPEG shown inline) instead of a document. */
  sendDocument(
    to: ChatRef,
    file: { name: string; data: Uint8Array; caption?: string; photo?: boolean },
  ): Promise<Delivery>;
}

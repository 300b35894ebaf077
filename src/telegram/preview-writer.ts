import type { Logger } from '../core/logger.ts';
import type { ChatRef, Keyboard } from '../core/outbox.ts';
import type { TelegramOutbox } from './outbox.ts';

/** Shows preview bodies: as drafts, or as one message sent once and then edited. */
export interface PreviewWriter {
  /** Shows `body`; resolves true when it should be written again (drafts were refused; now editing). */
  write(body: { text: string; format: 'html' | 'plain' }): Promise<boolean>;
  mode(): 'draft' | 'edit';
  /** The preview message, once sent (edit mode). */
  previewId(): number | undefined;
  /** True once previews failed for good; the answer still comes at the end. */
  off(): boolean;
  /** The text last shown. */
  lastText(): string;
}

/** Creates the writer. */
export function createPreviewWriter(o: {
  outbox: TelegramOutbox;
  chat: ChatRef;
  log: Logger;
  mode: 'draft' | 'edit';
  draftId: number;
  signal: AbortSignal;
  stopKeyboard?: Keyboard;
  replyTo?: number;
}): PreviewWriter {
  const { outbox, chat, log, signal } = o;
  let mode = o.mode;
  let previewId: number | undefined;
  let off = false;
  let lastBody = '';
  const stop = o.stopKeyboard ? { keyboard: o.stopKeyboard } : {};

  async function writeDraft(body: { text: string; format: 'html' | 'plain' }): Promise<boolean> {
    const ok = await outbox.sendDraft(chat, o.draftId, body.text, { format: body.format, signal });
    if (ok || signal.aborted) {
      if (ok) lastBody = body.text;
      return false;
    }
    // Drafts unavailable here (older clients, not a private chat…): fall back to an edited preview message.
    log.info('Draft preview refused; switching to an edited preview message');
    mode = 'edit';
    return true;
  }

  async function writeFirst(body: { text: string; format: 'html' | 'plain' }): Promise<void> {
    const d = await outbox.send(chat, {
      text: body.text,
      format: body.format,
      ...stop,
      ...(o.replyTo !== undefined ? { replyTo: o.replyTo } : {}),
    });
    if (d.ok) {
      previewId = d.messageIds[0];
      lastBody = body.text;
    } else {
      off = true;
      log.warn({ reason: d.reason, err: d.message }, 'Preview message failed; the answer will arrive when ready');
    }
  }

  return {
    async write(body) {
      if (mode === 'draft') return writeDraft(body);
      if (previewId === undefined) {
        await writeFirst(body);
        return false;
      }
      const d = await outbox.edit(
        chat,
        previewId,
        { text: body.text, format: body.format, ...stop },
        { preview: { key: `${chat.chatId}:${previewId}`, signal } },
      );
      if (d.ok) lastBody = body.text;
      else if (d.message !== 'superseded' && d.reason !== 'failed') off = true;
      return false;
    },
    mode: () => mode,
    previewId: () => previewId,
    off: () => off,
    lastText: () => lastBody,
  };
}

import { InputFile } from 'grammy';
import type { ChatRef, Delivery } from '../../core/outbox.ts';
import { htmlToPlain } from '../format.ts';
import { tailOf, visibleLength } from '../split.ts';
import type { OutboxContext } from './context.ts';
import { failureDelivery, shuttingDown } from './delivery-result.ts';
import { threadParams } from './migrations.ts';
import type { MessageSender } from './send-message.ts';
import type { ChatAction, OutDocument } from './types.ts';

/** Documents, chat actions, deletions and drafts: the calls besides sending and editing text. */
export interface SideCalls {
  sendDocumentNow(to: ChatRef, file: OutDocument): Promise<Delivery>;
  sendChatAction(to: ChatRef, action?: ChatAction): Promise<boolean>;
  deleteMessageNow(to: ChatRef, messageId: number): Promise<boolean>;
  sendDraft(
    to: ChatRef,
    draftId: number,
    text: string,
    options?: { format?: 'html' | 'plain'; signal?: AbortSignal },
  ): Promise<boolean>;
}

/** Creates the side calls. */
export function createSideCalls(ctx: OutboxContext, sender: MessageSender): SideCalls {
  const { api, call, chats, log, limit } = ctx;

  async function sendDocumentNow(to: ChatRef, file: OutDocument): Promise<Delivery> {
    const caption = file.caption?.trim() ?? '';
    // Captions are limited to 1024 characters; a longer one follows as its own message so nothing is lost.
    const inline = caption !== '' && caption.length <= 1024 ? caption : undefined;
    let migratedOnce = false;
    for (;;) {
      const chatId = chats.chatOf(to);
      const params = { ...threadParams(to), ...(inline ? { caption: inline } : {}) };
      const r = await call(
        chatId,
        (signal): Promise<{ message_id: number }> =>
          file.photo
            ? api.sendPhoto(chatId, new InputFile(file.data, file.name), params, signal)
            : api.sendDocument(chatId, new InputFile(file.data, file.name), params, signal),
      );
      if (r.ok) {
        const ids = [r.value.message_id];
        if (caption !== '' && inline === undefined) {
          const more = await sender.sendNow(to, { text: caption, format: 'plain' });
          if (more.ok) ids.push(...more.messageIds);
        }
        return { ok: true, messageIds: ids };
      }
      if ('dropped' in r) return shuttingDown();
      if (r.failure.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await chats.follow(to.chatId, r.failure.newChatId);
        continue;
      }
      log.error({ chatId, kind: r.failure.kind, err: r.failure.description }, 'Document upload failed');
      return failureDelivery(r.failure);
    }
  }

  async function sendChatAction(to: ChatRef, action: ChatAction = 'typing'): Promise<boolean> {
    const chatId = chats.chatOf(to);
    const r = await call(chatId, (signal) => api.sendChatAction(chatId, action, threadParams(to), signal), {
      lane: 'light',
      coalesceKey: `action:${chatId}`,
      retryTransient: false,
      retryRateLimit: false,
    });
    if (!r.ok && !('dropped' in r)) log.debug({ chatId, err: r.failure.description }, 'Chat action failed');
    return r.ok;
  }

  async function deleteMessageNow(to: ChatRef, messageId: number): Promise<boolean> {
    const chatId = chats.chatOf(to);
    const r = await call(chatId, (signal) => api.deleteMessage(chatId, messageId, signal));
    if (r.ok) return true;
    if ('dropped' in r) return false;
    if (r.failure.kind === 'not_found') return true;
    log.warn({ chatId, messageId, err: r.failure.description }, 'Delete failed');
    return false;
  }

  async function sendDraft(
    to: ChatRef,
    draftId: number,
    text: string,
    options: { format?: 'html' | 'plain'; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const chatId = chats.chatOf(to);
    let html = options.format === 'html';
    let body = text;
    if (html && visibleLength(body) > limit) {
      body = tailOf(htmlToPlain(body), limit);
      html = false;
    } else if (!html) body = tailOf(body, limit);
    for (;;) {
      const payload = body;
      const params = { ...threadParams(to), ...(html ? { parse_mode: 'HTML' as const } : {}) };
      const r = await call(chatId, (signal) => api.sendMessageDraft(chatId, draftId, payload, params, signal), {
        lane: 'light',
        coalesceKey: `draft:${chatId}:${draftId}`,
        signal: options.signal,
        retryTransient: false,
        retryRateLimit: false,
      });
      if (r.ok) return true;
      if ('dropped' in r) return false;
      if (r.failure.kind === 'parse' && html) {
        body = htmlToPlain(payload, { keepLinks: true });
        html = false;
        continue;
      }
      log.debug({ chatId, draftId, err: r.failure.description }, 'Draft update failed');
      return false;
    }
  }

  return { sendDocumentNow, sendChatAction, deleteMessageNow, sendDraft };
}

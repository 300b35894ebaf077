import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Delivery, Keyboard, OutMessage } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import { toReplyMarkup } from './keyboard.ts';
import { createApiCaller, retryPolicy } from './outbox/api-call.ts';
import { createChatChains } from './outbox/chat-chains.ts';
import type { OutboxContext } from './outbox/context.ts';
import { createDedupedSender } from './outbox/dedupe.ts';
import { createDeliveryStore } from './outbox/delivery-store.ts';
import { createMessageEditor } from './outbox/edit-message.ts';
import { createChatMigrations } from './outbox/migrations.ts';
import { createMessageSender } from './outbox/send-message.ts';
import { createSideCalls } from './outbox/side-calls.ts';
import type { EditOptions, OutDocument, RetryOptions, TelegramApi, TelegramOutbox } from './outbox/types.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { TELEGRAM_TEXT_LIMIT } from './split.ts';

export type { ChatAction, EditOptions, RetryOptions, TelegramApi, TelegramOutbox } from './outbox/types.ts';

export interface TelegramOutboxDeps {
  api: TelegramApi;
  store: Store;
  clock: Clock;
  log: Logger;
  limiter: RateLimiter;
  retry?: RetryOptions;
  /** Called when Telegram reports that a group became a supergroup (the new chat id is used from then on). */
  onChatMigrated?: (fromChatId: number, toChatId: number) => void | Promise<void>;
  /** Visible-length limit per message (tests use smaller values). Default 4096. */
  textLimit?: number;
}

/** Creates the one outbound path to Telegram: formatting, splitting, rate limits, retries, dedupe. */
export function createTelegramOutbox(deps: TelegramOutboxDeps): TelegramOutbox {
  const log = deps.log.child({ module: 'outbox' });
  const ctx: OutboxContext = {
    api: deps.api,
    log,
    limit: deps.textLimit ?? TELEGRAM_TEXT_LIMIT,
    call: createApiCaller({ limiter: deps.limiter, clock: deps.clock, log, retry: retryPolicy(deps.retry) }),
    chats: createChatMigrations({ log, onChatMigrated: deps.onChatMigrated }),
  };
  const serial = createChatChains();
  const inChain = <T>(to: ChatRef, fn: () => Promise<T>): Promise<T> => serial(to.chatId, fn);
  const deliveries = createDeliveryStore(deps.store);
  const sender = createMessageSender(ctx);
  const deduped = createDedupedSender({ ctx, clock: deps.clock, deliveries, sender, serial });
  const editor = createMessageEditor(ctx, sender);
  const side = createSideCalls(ctx, sender);

  async function send(to: ChatRef, message: OutMessage): Promise<Delivery> {
    // Validate the keyboard up front so a bad button throws to the caller instead of failing mid-message.
    toReplyMarkup(message.keyboard);
    const key = message.dedupeKey;
    if (key === undefined) return inChain(to, () => sender.sendNow(to, message));
    return deduped.send(to, message, key);
  }

  async function edit(to: ChatRef, messageId: number, message: OutMessage, options: EditOptions = {}) {
    toReplyMarkup(message.keyboard);
    // Preview updates skip the chain: they are coalesced in the limiter and must not wait behind a final message.
    return options.preview
      ? editor.editNow(to, messageId, message, options)
      : inChain(to, () => editor.editNow(to, messageId, message, options));
  }

  async function editKeyboard(to: ChatRef, messageId: number, keyboard: Keyboard | undefined): Promise<Delivery> {
    const markup = toReplyMarkup(keyboard);
    return inChain(to, () => editor.editKeyboardNow(to, messageId, markup));
  }

  return {
    send,
    edit,
    editKeyboard,
    sendDocument: (to: ChatRef, file: OutDocument) => inChain(to, () => side.sendDocumentNow(to, file)),
    sendChatAction: side.sendChatAction,
    deleteMessage: (to: ChatRef, messageId: number) => inChain(to, () => side.deleteMessageNow(to, messageId)),
    sendDraft: side.sendDraft,
    wasDelivered: (dedupeKey: string) => deliveries.isComplete(dedupeKey),
  };
}

import { Composer } from 'grammy';
import { type Clock, later } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { ConnectPrompt, ConnectPrompts } from '../../secrets/connect-prompts.ts';
import { isSecretName } from '../../secrets/secret-name.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import { chatRefOf } from '../chat-ref.ts';
import { commandTexts } from '../command-texts.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { CONNECT_TTL_MS } from './connect-capture.ts';
import { connectTexts } from './connect-texts.ts';
import { CANCEL_DATA, parseConnectPress, renderConfirmDelete, renderConnections } from './connections-view.ts';

const en = commandTexts('en');
export const connectCommands = [
  { command: 'connect', description: en.connect },
  { command: 'connections', description: en.connections },
];

/** Captured prompt rows older than this past their expiry are swept (their update was never handled). */
const SWEEP_GRACE_MS = 24 * 60 * 60 * 1000;

export interface ConnectFeatureDeps {
  secrets: SecretStore;
  prompts: ConnectPrompts;
  outbox: Outbox;
  clock: Clock;
  /** The user's IANA zone, for the dates in /connections. Default UTC. */
  timezoneOf?: (userId: number) => Promise<string>;
  /** How long /connect waits for the value. Default 10 minutes. */
  ttlMs?: number;
}

/** The text for a key problem or a failed store (by error code). */
function failureText(code: string | undefined, locale: Locale): string {
  const t = connectTexts(locale);
  if (code === 'secrets_key_missing') return t.keyMissing;
  if (code === 'secrets_key_wrong' || code === 'secret_undecryptable') return t.keyWrong;
  return t.failed;
}

/**
 * `/connect <name>` (private chats only) asks for a secret's value; the intake stores it (connect-capture.ts) and
 * this feature deletes the user's message and confirms. `/connections` lists names and dates with Delete buttons
 * (confirmed). `/cancel` or the Cancel button stops a waiting request; an unanswered one expires on the Clock.
 */
export function createConnectFeature(deps: ConnectFeatureDeps): Composer<BotContext> {
  const { secrets, prompts, outbox, clock } = deps;
  const ttlMs = deps.ttlMs ?? CONNECT_TTL_MS;
  const composer = new Composer<BotContext>();
  const zoneOf = async (userId: number) => (await deps.timezoneOf?.(userId).catch(() => 'UTC')) ?? 'UTC';

  /** The message that held the value is already a bare message here: delete it in the chat, then confirm. */
  async function finishCapture(ctx: BotContext, prompt: ConnectPrompt, messageId: number): Promise<void> {
    const to = { chatId: prompt.chatId };
    const t = connectTexts(localeOfCtx(ctx));
    let deleted = true;
    try {
      await ctx.api.deleteMessage(prompt.chatId, messageId);
    } catch (err) {
      deleted = false;
      ctx.log.warn({ err: toError(err) }, 'could not delete the message holding a /connect value');
    }
    await prompts.close(prompt.userId);
    if (prompt.promptMessageId !== undefined)
      await outbox.editKeyboard(to, prompt.promptMessageId, undefined).catch(() => undefined);
    const done =
      prompt.status === 'stored'
        ? (prompt.replaced ? t.replaced : t.stored)({ name: prompt.name })
        : failureText(prompt.error, localeOfCtx(ctx));
    await outbox.send(to, { text: deleted ? done : `${done}\n${t.notDeleted}`, format: 'plain' });
    ctx.log.info({ secret: prompt.name, status: prompt.status, deleted }, '/connect value handled');
  }

  /** Closes a request nobody answered in time and says so on its prompt. */
  async function expire(userId: number, expiresAt: number, locale: Locale): Promise<void> {
    const prompt = await prompts.get(userId);
    if (prompt?.status !== 'waiting' || prompt.expiresAt !== expiresAt) return;
    await prompts.close(userId);
    if (prompt.promptMessageId === undefined) return;
    await outbox.edit({ chatId: prompt.chatId }, prompt.promptMessageId, {
      text: connectTexts(locale).expired({ name: prompt.name }),
      format: 'plain',
    });
  }

  // A captured value (the intake left a bare message) or something other than text while a request waits.
  composer.on('message', async (ctx, next) => {
    if (ctx.chat.type !== 'private' || (ctx.message.text !== undefined && !ctx.message.text.startsWith('/connect')))
      return next();
    const captured = await prompts.captured(ctx.from.id, ctx.chat.id, ctx.message.message_id);
    if (captured && captured.status !== 'waiting') return finishCapture(ctx, captured, ctx.message.message_id);
    if (ctx.message.text !== undefined) return next();
    const waiting = await prompts.waiting(ctx.from.id, ctx.chat.id);
    if (!waiting) return next();
    await outbox.send(chatRefOf(ctx) ?? { chatId: ctx.chat.id }, {
      text: connectTexts(localeOfCtx(ctx)).sendAsText({ name: waiting.name }),
      format: 'plain',
    });
  });

  composer.command('connect', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const locale = localeOfCtx(ctx);
    const t = connectTexts(locale);
    const say = (text: string) => outbox.send(to, { text, format: 'plain' });
    if (to.type !== 'private') return void (await say(t.privateOnly));
    const name = String(ctx.match ?? '')
      .trim()
      .toLowerCase();
    if (name === '') return void (await say(t.usage));
    if (!isSecretName(name)) return void (await say(t.badName({ name: name.slice(0, 40) })));
    const state = await secrets.keyState();
    if (!state.ok) {
      ctx.log.warn({ code: state.code }, '/connect refused: the secret store is not usable');
      return void (await say(failureText(state.code, locale)));
    }
    await prompts.sweep(SWEEP_GRACE_MS);
    const prompt = await prompts.open(ctx.from.id, to.chatId, name, ttlMs);
    const sent = await outbox.send(to, {
      text: t.ask({ name, minutes: Math.round(ttlMs / 60_000) }),
      format: 'plain',
      keyboard: [[{ text: t.cancelButton, data: CANCEL_DATA }]],
    });
    if (sent.ok && sent.messageIds[0] !== undefined) await prompts.setPromptMessage(ctx.from.id, sent.messageIds[0]);
    const userId = ctx.from.id;
    const log = ctx.log;
    later(clock, ttlMs, () => expire(userId, prompt.expiresAt, locale), {
      unref: true,
      onError: (err) => log.warn({ err: toError(err) }, 'could not close an expired /connect request'),
    });
    ctx.log.info({ secret: name }, '/connect waiting for the value');
  });

  composer.command('cancel', async (ctx, next) => {
    const prompt = ctx.from ? await prompts.get(ctx.from.id) : undefined;
    if (prompt?.status !== 'waiting' || prompt.chatId !== ctx.chat.id) return next();
    await prompts.close(prompt.userId);
    const text = connectTexts(localeOfCtx(ctx)).cancelled({ name: prompt.name });
    if (prompt.promptMessageId !== undefined)
      await outbox.editKeyboard({ chatId: prompt.chatId }, prompt.promptMessageId, undefined).catch(() => undefined);
    await outbox.send({ chatId: prompt.chatId }, { text, format: 'plain' });
  });

  composer.command('connections', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const locale = localeOfCtx(ctx);
    if (to.type !== 'private')
      return void (await outbox.send(to, { text: connectTexts(locale).privateOnly, format: 'plain' }));
    const list = await secrets.list(ctx.from.id);
    await outbox.send(to, renderConnections(list, await zoneOf(ctx.from.id), locale));
    ctx.log.info({ count: list.length }, '/connections');
  });

  composer.callbackQuery(/^sec:/, async (ctx) => {
    const locale = localeOfCtx(ctx);
    const t = connectTexts(locale);
    const press = parseConnectPress(ctx.callbackQuery.data);
    const messageId = ctx.callbackQuery.message?.message_id;
    const to = chatRefOf(ctx);
    if (!press || !to || to.type !== 'private' || messageId === undefined) {
      await ctx.answerCallbackQuery({ text: t.outdated });
      return;
    }
    const userId = ctx.from.id;
    const showList = async () =>
      outbox.edit(to, messageId, renderConnections(await secrets.list(userId), await zoneOf(userId), locale));
    if (press.action === 'cancel') {
      const prompt = await prompts.get(userId);
      if (prompt?.status !== 'waiting' || prompt.promptMessageId !== messageId) {
        await ctx.answerCallbackQuery({ text: t.outdated });
        await outbox.editKeyboard(to, messageId, undefined).catch(() => undefined);
        return;
      }
      await prompts.close(userId);
      await ctx.answerCallbackQuery();
      await outbox.edit(to, messageId, { text: t.cancelled({ name: prompt.name }), format: 'plain' });
      return;
    }
    if (press.action === 'list') {
      await ctx.answerCallbackQuery();
      await showList();
      return;
    }
    const exists = (await secrets.list(userId)).some((s) => s.name === press.name);
    if (press.action === 'ask' && exists) {
      await ctx.answerCallbackQuery();
      await outbox.edit(to, messageId, renderConfirmDelete(press.name, locale));
      return;
    }
    const removed = press.action === 'delete' && (await secrets.remove(userId, press.name));
    await ctx.answerCallbackQuery({
      text: removed ? t.deleted({ name: press.name }) : t.alreadyGone({ name: press.name }),
    });
    if (removed) ctx.log.info({ secret: press.name }, 'secret deleted');
    await showList();
  });

  return composer;
}

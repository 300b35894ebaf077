import { Composer } from 'grammy';
import { toError } from '../../core/errors.ts';
import type { ChatRef, OutMessage } from '../../core/outbox.ts';
import type { WipeReport } from '../../privacy/privacy.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerStaleButton } from '../stale-button.ts';
import { actingLocale } from './acting-locale.ts';
import type { MemoryFeatureDeps } from './memory.ts';
import { type MemoryTexts, memoryTexts } from './memory-texts.ts';
import type { MemData } from './memory-view.ts';

type Deps = Pick<MemoryFeatureDeps, 'memory' | 'outbox' | 'privacy' | 'localeOf'>;

/** `/export` (a JSON file) and `/wipe` (after a confirmation), both only in the private chat. */
export function createPrivacyCommands(deps: Deps, send: (to: ChatRef, m: OutMessage) => Promise<void>) {
  const { memory, outbox } = deps;
  const composer = new Composer<BotContext>();

  composer.command('export', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const t = memoryTexts(await actingLocale(deps.localeOf, ctx.from));
    if (to.type !== 'private') {
      await send(to, { text: t.exportPrivate, format: 'plain' });
      return;
    }
    const full = deps.privacy ? await deps.privacy.exportUser(ctx.from.id) : undefined;
    const data = full ?? (await memory.exportUser(ctx.from.id));
    const bytes = new TextEncoder().encode(JSON.stringify(data, null, 2));
    const more = full ? { schedules: full.schedules.length, requests: full.requests.length } : {};
    const d = await outbox.sendDocument(to, {
      name: 'my-data.json',
      data: bytes,
      caption: t.exportCaption({ facts: data.facts.length, messages: data.messages.length, ...more }),
    });
    if (!d.ok) {
      ctx.log.warn({ reason: d.reason }, '/export document failed');
      await send(to, { text: t.exportFailed, format: 'plain' });
    }
  });

  composer.command('wipe', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const t = memoryTexts(await actingLocale(deps.localeOf, ctx.from));
    if (to.type !== 'private') {
      await send(to, { text: t.wipePrivate, format: 'plain' });
      return;
    }
    const pending = await memory.savePending(ctx.from.id, 'wipe', {});
    await send(to, {
      text: t.wipeConfirm,
      format: 'plain',
      keyboard: [
        [
          { text: t.wipeYes, data: `mem:wy:${pending}` },
          { text: t.wipeCancel, data: `mem:wn:${pending}` },
        ],
      ],
    });
  });

  /** Erases everything (through privacy when wired); returns the text for the confirmation message, or undefined. */
  async function erase(ctx: BotContext, t: MemoryTexts, to: ChatRef, messageId: number | undefined) {
    const userId = ctx.from?.id as number;
    if (!deps.privacy) {
      const r = await memory.wipeUser(userId);
      return t.wipeDoneMemory({ messages: r.messages, facts: r.facts });
    }
    // Answer the button now: a wipe waits for running work and may take longer than Telegram waits.
    await ctx.answerCallbackQuery({ text: t.erasing });
    let r: WipeReport;
    try {
      r = await deps.privacy.wipeUser(userId);
    } catch (err) {
      ctx.log.error({ err: toError(err) }, '/wipe failed');
      if (messageId !== undefined) await outbox.edit(to, messageId, { text: t.wipeFailed, format: 'plain' });
      return undefined;
    }
    const text = t.wipeDone(r);
    if (messageId !== undefined) await outbox.edit(to, messageId, { text, format: 'plain' });
    return undefined;
  }

  /** The /wipe confirmation buttons. */
  async function onWipeButton(ctx: BotContext, t: MemoryTexts, data: Extract<MemData, { type: 'wipe' }>) {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    if (!to || !user) return;
    const messageId = ctx.callbackQuery?.message?.message_id;
    const payload = await memory.takePending(data.id, user.id, 'wipe');
    if (payload === undefined && to.type === 'private' && to.chatId === user.id) {
      // A confirmation in the presser's own private chat is theirs: it is dead for good, so its buttons go.
      return await answerStaleButton(ctx, outbox, t.confirmationUsed, { alert: true });
    }
    if (payload === undefined) {
      await ctx.answerCallbackQuery({ text: t.confirmationOther, show_alert: true });
      return;
    }
    const result = data.action === 'wn' ? t.wipeCancelled : await erase(ctx, t, to, messageId);
    if (result === undefined) return;
    await ctx.answerCallbackQuery({ text: data.action === 'wn' ? t.cancelled : t.done });
    if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
  }

  return { composer, onWipeButton };
}

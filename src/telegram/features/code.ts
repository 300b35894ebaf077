import { Composer } from 'grammy';
import { showCodeData } from '../../core/keys/callback-data.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { CodeRun } from '../../core/turn.ts';
import { chatRefOf } from '../chat-ref.ts';
import { codeMessage } from '../code-output.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { answerStaleButton } from '../stale-button.ts';
import { codeTexts } from './code-texts.ts';

export interface CodeFeatureDeps {
  outbox: Outbox;
  /** The code a turn's stored answer ran in a chat; undefined when it is no longer kept. */
  codeOf(chatId: number, turnId: string): Promise<CodeRun[] | undefined>;
}

/**
 * "🧮 Show code" under an answer whose model ran code: posts that turn's code (and output) in expandable blockquotes,
 * as a reply to the answer. The code is read from the stored answer, so the button works after a restart; once the
 * answer is gone (forgotten, wiped, pruned) it says so and goes away.
 */
export function createCodeFeature(deps: CodeFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(showCodeData.route, async (ctx) => {
    const t = codeTexts(localeOfCtx(ctx));
    const turnId = showCodeData.decode(ctx.callbackQuery.data);
    const to = chatRefOf(ctx);
    const runs = turnId !== undefined && to ? await deps.codeOf(to.chatId, turnId) : undefined;
    if (!runs || !to) return answerStaleButton(ctx, deps.outbox, t.gone, { alert: true });
    await ctx.answerCallbackQuery().catch(() => undefined);
    const replyTo = ctx.callbackQuery.message?.message_id;
    await deps.outbox.send(to, {
      text: codeMessage(runs, localeOfCtx(ctx)),
      format: 'html',
      ...(replyTo !== undefined ? { replyTo } : {}),
    });
  });
  return composer;
}

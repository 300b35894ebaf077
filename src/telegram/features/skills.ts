import { Composer } from 'grammy';
import { toError } from '../../core/errors.ts';
import { turnFinalKey, updateTurnId } from '../../core/keys/dedupe-keys.ts';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import type { RoutineRunner } from '../../core/routines.ts';
import type { Suspension, TurnRequest } from '../../core/turn.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { SkillDrafts } from '../../skills/drafts.ts';
import { skillRunText } from '../../skills/routine.ts';
import type { Skill } from '../../skills/skill.ts';
import type { Skills } from '../../skills/skills.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { answerStaleButton } from '../stale-button.ts';
import { askFor, createSkillCapture } from './skills-guided.ts';
import { skillsTexts } from './skills-texts.ts';
import { type SkillsPress, renderDeleteConfirm, renderSkillCard, renderSkillList, skillsData } from './skills-view.ts';

export const skillsCommands = [{ command: 'skills', description: 'Your skills: saved procedures you run by name' }];

/** What /skills needs: the skills and drafts, the outbox, and the skills' runner for the Run button. */
export interface SkillsFeatureDeps {
  skills: Skills;
  drafts: SkillDrafts;
  outbox: Outbox;
  /** Runs a skill as a turn (src/skills/routine.ts), so memory, approvals and budgets apply. */
  routines: RoutineRunner;
  timezoneOf(userId: number): Promise<string>;
  /** Hands a run that stopped for an approval to the approvals service. */
  approvals?: { onSuspended(request: TurnRequest, suspension: Suspension): Promise<unknown> };
}

/**
 * `/skills`: the person's skills in this chat with buttons (view, ▶️ run, ✏️ edit, 🗑 delete with a confirmation),
 * `/skills new` (guided: name → description → steps, each the person's next message) and `/skills cancel`.
 * Buttons carry skill ids only; a press on a skill that is gone or someone else's says so and loses its buttons.
 */
export function createSkillsFeature(deps: SkillsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { skills, drafts, outbox } = deps;
  const scopeOf = (ctx: BotContext) => ({ ownerUserId: ctx.from!.id, chatId: ctx.chat!.id });

  async function send(ctx: BotContext, text: string, keyboard?: Keyboard): Promise<void> {
    const to = chatRefOf(ctx);
    if (!to) return;
    const replyTo = ctx.message?.message_id;
    await outbox.send(to, {
      text,
      format: 'plain',
      ...(keyboard ? { keyboard } : {}),
      ...(replyTo ? { replyTo } : {}),
    });
  }

  async function listMessage(ctx: BotContext): Promise<OutMessage> {
    return renderSkillList(await skills.list(scopeOf(ctx)), ctx.chat?.type !== 'private', localeOfCtx(ctx));
  }

  async function startNew(ctx: BotContext): Promise<void> {
    const draft = { userId: ctx.from!.id, chatId: ctx.chat!.id, step: 'name' as const };
    await drafts.put(draft);
    await send(ctx, await askFor(skills, draft, localeOfCtx(ctx)));
  }

  composer.on('message:text', createSkillCapture({ skills, drafts, send }));

  composer.command('skills', async (ctx) => {
    if (!ctx.from || !chatRefOf(ctx)) return;
    const arg = String(ctx.match ?? '')
      .trim()
      .toLowerCase();
    const t = skillsTexts(localeOfCtx(ctx));
    if (arg === 'new') return startNew(ctx);
    if (arg === 'cancel')
      return send(ctx, (await drafts.close(ctx.from.id, ctx.chat.id)) ? t.cancelled : t.nothingToCancel);
    await outbox.send(chatRefOf(ctx)!, { ...(await listMessage(ctx)), replyTo: ctx.message!.message_id });
  });

  async function redraw(ctx: BotContext, message: OutMessage): Promise<void> {
    const to = chatRefOf(ctx)!;
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (messageId !== undefined) await outbox.edit(to, messageId, message);
    else await outbox.send(to, message);
  }

  const answer = (ctx: BotContext, text?: string) =>
    ctx
      .answerCallbackQuery(text ? { text } : {})
      .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer a skills button'));

  async function run(ctx: BotContext, skill: Skill, locale: Locale): Promise<void> {
    const to = chatRefOf(ctx)!;
    const userId = ctx.from!.id;
    await answer(ctx, skillsTexts(locale).running({ name: skill.name }));
    const updateId = ctx.update.update_id;
    const request: TurnRequest = {
      turnId: updateTurnId.encode(updateId),
      userId,
      chat: to,
      // The routine sets the same text; kept here for an approval that pauses the run (its resume reads the request).
      text: skillRunText(skill),
      attachments: [],
      source: 'telegram',
      timezone: await deps.timezoneOf(userId),
      locale,
    };
    const result = await deps.routines.run({ type: 'skill', skillId: skill.id }, request);
    if (result.posted) return;
    const { outcome } = result;
    if (outcome.status === 'suspended' && outcome.suspension && deps.approvals) {
      await deps.approvals.onSuspended(request, outcome.suspension);
      return;
    }
    if (outcome.status === 'failed' && outcome.error)
      ctx.log.warn({ err: outcome.error, code: outcome.error.code }, 'skill run failed');
    const text = outcome.text.trim() || skillsTexts(locale).running({ name: skill.name });
    await outbox.send(to, {
      text,
      format: 'markdown',
      ...(outcome.keyboard ? { keyboard: outcome.keyboard } : {}),
      dedupeKey: turnFinalKey.encode(updateId),
    });
  }

  async function onSkill(ctx: BotContext, press: Extract<SkillsPress, { id: string }>, locale: Locale) {
    const t = skillsTexts(locale);
    const skill = await skills.get(scopeOf(ctx), press.id);
    if (!skill) return answerStaleButton(ctx, outbox, t.gone, { alert: true });
    switch (press.action) {
      case 'view':
      case 'keep':
        await answer(ctx, press.action === 'keep' ? t.keptToast : undefined);
        return redraw(ctx, renderSkillCard(skill, locale));
      case 'delete':
        await answer(ctx);
        return redraw(ctx, renderDeleteConfirm(skill, locale));
      case 'yes': {
        const removed = await skills.remove(scopeOf(ctx), skill.id);
        ctx.log.info({ removed: removed !== undefined }, 'skill deleted');
        await answer(ctx, t.deletedToast);
        const list = await listMessage(ctx);
        return redraw(ctx, { ...list, text: `${t.deleted({ name: skill.name })}\n\n${list.text}` });
      }
      case 'edit': {
        await answer(ctx);
        const draft = { userId: ctx.from!.id, chatId: ctx.chat!.id, step: 'description' as const, skillId: skill.id };
        await drafts.put({ ...draft, name: skill.name });
        return send(ctx, await askFor(skills, { ...draft, name: skill.name }, locale));
      }
      case 'run':
        return run(ctx, skill, locale);
    }
  }

  composer.callbackQuery(skillsData.route, async (ctx) => {
    const locale = localeOfCtx(ctx);
    const press = skillsData.decode(ctx.callbackQuery.data);
    if (!press || !ctx.from || !chatRefOf(ctx))
      return answerStaleButton(ctx, outbox, skillsTexts(locale).buttonInvalid);
    // In a group, /skills messages answer their owner's message: someone else's press changes nothing.
    const owner = ctx.callbackQuery.message?.reply_to_message?.from?.id;
    if (ctx.chat?.type !== 'private' && owner !== undefined && owner !== ctx.from.id) {
      await ctx
        .answerCallbackQuery({ text: skillsTexts(locale).notYours, show_alert: true })
        .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer a skills button'));
      return;
    }
    if ('id' in press) return onSkill(ctx, press, locale);
    await answer(ctx);
    if (press.action === 'new') return startNew(ctx);
    return redraw(ctx, await listMessage(ctx));
  });

  return composer;
}

import type { Filter, NextFunction } from 'grammy';
import type { Locale } from '../../i18n/locale.ts';
import type { SkillDraft, SkillDrafts } from '../../skills/drafts.ts';
import { skillInput } from '../../skills/skill.ts';
import type { SaveResult, Skills } from '../../skills/skills.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { isGroupChat, withoutMention } from './groups.ts';
import { skillsTexts } from './skills-texts.ts';
import { skillsData } from './skills-view.ts';

const KEEP = /^[-–—]$/;

/** The question for a draft's next step (in an edit, with the current text to keep). */
export async function askFor(skills: Skills, draft: Omit<SkillDraft, 'expiresAt'>, locale: Locale): Promise<string> {
  const t = skillsTexts(locale);
  const name = draft.name ?? '';
  const current = draft.skillId
    ? await skills.get({ ownerUserId: draft.userId, chatId: draft.chatId }, draft.skillId)
    : undefined;
  if (draft.step === 'name') return t.askName;
  if (draft.step === 'description')
    return current ? t.editDescription({ name, current: current.description }) : t.askDescription({ name });
  return current ? t.editInstructions({ name, current: current.instructions }) : t.askInstructions({ name });
}

function savedText(result: SaveResult, locale: Locale): string {
  const t = skillsTexts(locale);
  switch (result.status) {
    case 'created':
    case 'updated':
      return t.saved({ name: result.skill.name, updated: result.status === 'updated' });
    case 'invalid':
      return t.invalid({ error: result.error });
    case 'name_taken':
      return t.nameTaken({ name: result.other.name });
    case 'full':
      return t.full({ max: result.max });
    default:
      return t.gone;
  }
}

/**
 * The guided `/skills new` and edit: while a person has an open draft in a chat, their next text message there
 * (not a command) answers its question: the name (checked and unique), the description, then the instructions,
 * which save the skill. An expired draft says so once and lets the message go on to the assistant.
 */
export function createSkillCapture(deps: {
  skills: Skills;
  drafts: SkillDrafts;
  send: (ctx: BotContext, text: string, keyboard?: { text: string; data: string }[][]) => Promise<void>;
}) {
  const { skills, drafts, send } = deps;
  return async (ctx: Filter<BotContext, 'message:text'>, next: NextFunction): Promise<void> => {
    if (ctx.message.text.startsWith('/')) return next();
    const open = await drafts.get(ctx.from.id, ctx.chat.id);
    if (!open) return next();
    const locale = localeOfCtx(ctx);
    const t = skillsTexts(locale);
    if (open.expired) {
      await send(ctx, t.expired);
      return next();
    }
    if (!chatRefOf(ctx)) return next();
    const { draft } = open;
    let text = ctx.message.text.trim();
    if (isGroupChat(ctx.chat.type)) text = withoutMention(text, ctx.me.username);
    const scope = { ownerUserId: ctx.from.id, chatId: ctx.chat.id };
    const keep = KEEP.test(text);
    if (draft.step === 'name') {
      const parsed = skillInput.shape.name.safeParse(text);
      if (!parsed.success) return send(ctx, t.invalid({ error: parsed.error.issues[0]?.message ?? 'invalid name' }));
      const taken = (await skills.findByName(scope, parsed.data)).find((m) => m.how === 'exact');
      if (taken) return send(ctx, t.nameTaken({ name: taken.skill.name }));
      const nextDraft = { userId: draft.userId, chatId: draft.chatId, step: 'description' as const, name: parsed.data };
      await drafts.put(nextDraft);
      return send(ctx, await askFor(skills, nextDraft, locale));
    }
    const current = draft.skillId ? await skills.get(scope, draft.skillId) : undefined;
    if (draft.skillId && !current) {
      await drafts.close(ctx.from.id, ctx.chat.id);
      return send(ctx, t.gone);
    }
    if (draft.step === 'description') {
      const description = keep && current ? current.description : text;
      const parsed = skillInput.shape.description.safeParse(description);
      if (!parsed.success) return send(ctx, t.invalid({ error: parsed.error.issues[0]?.message ?? 'invalid' }));
      const nextDraft = { ...withoutExpiry(draft), step: 'instructions' as const, description: parsed.data };
      await drafts.put(nextDraft);
      return send(ctx, await askFor(skills, nextDraft, locale));
    }
    const instructions = keep && current ? current.instructions : text;
    const input = {
      name: current?.name ?? draft.name ?? '',
      description: draft.description ?? current?.description ?? '',
      instructions,
      ...(current?.agent ? { agent: current.agent } : {}),
      ...(current && current.tools.length > 0 ? { tools: current.tools } : {}),
    };
    const result = await skills.save(scope, input, current ? { id: current.id } : {});
    if (result.status === 'invalid' && skillInput.shape.instructions.safeParse(instructions).success === false)
      return send(ctx, savedText(result, locale)); // asks for the steps again; the draft stays open
    await drafts.close(ctx.from.id, ctx.chat.id);
    const ok = result.status === 'created' || result.status === 'updated';
    await send(
      ctx,
      savedText(result, locale),
      ok
        ? [
            [
              { text: t.runButton, data: skillsData.encode({ action: 'run', id: result.skill.id }) },
              { text: t.backButton, data: skillsData.encode({ action: 'list' }) },
            ],
          ]
        : undefined,
    );
  };
}

const withoutExpiry = ({ expiresAt: _e, ...rest }: SkillDraft): Omit<SkillDraft, 'expiresAt'> => rest;

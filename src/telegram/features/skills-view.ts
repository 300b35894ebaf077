import { callbackCodec, colonSchema } from '../../core/keys/codec.ts';
import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Skill } from '../../skills/skill.ts';
import { skillsTexts } from './skills-texts.ts';

/** What a /skills button does: list, new, view, run, edit, delete (asks), yes (deletes), keep. */
export type SkillsPress =
  | { action: 'list' | 'new' }
  | { action: 'view' | 'run' | 'edit' | 'delete' | 'yes' | 'keep'; id: string };

const ACTIONS = { l: 'list', n: 'new', v: 'view', r: 'run', e: 'edit', d: 'delete', y: 'yes', k: 'keep' } as const;
const LETTER = Object.fromEntries(Object.entries(ACTIONS).map(([k, v]) => [v, k])) as Record<
  SkillsPress['action'],
  string
>;

/** /skills buttons: `sk:l`, `sk:n`, `sk:<v|r|e|d|y|k>:<skillId>`. Ids only; the handler checks the skill is the presser's. */
export const skillsData = callbackCodec<SkillsPress>({
  name: 'skills button',
  prefix: 'sk:',
  schema: colonSchema(/^sk:(?:[ln]|[vredyk]:[A-Za-z0-9_-]{1,40})$/, (p) => {
    const action = ACTIONS[p[1] as keyof typeof ACTIONS];
    return action === 'list' || action === 'new' ? { action } : { action, id: p[2] as string };
  }),
  format: (press) => ('id' in press ? `sk:${LETTER[press.action]}:${press.id}` : `sk:${LETTER[press.action]}`),
});

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The /skills list: one button per skill, then "New skill". */
export function renderSkillList(skills: readonly Skill[], group: boolean, locale: Locale): OutMessage {
  const t = skillsTexts(locale);
  const keyboard: Keyboard = skills
    .slice(0, 30)
    .map((s) => [{ text: `🧩 ${clip(s.name, 40)}`, data: skillsData.encode({ action: 'view', id: s.id }) }]);
  keyboard.push([{ text: t.newButton, data: skillsData.encode({ action: 'new' }) }]);
  const lines = [t.listTitle({ group })];
  if (skills.length === 0) lines.push('', t.listEmpty);
  else lines.push(...skills.slice(0, 30).map((s) => `• ${s.name} — ${clip(s.description, 100)}`), '', t.listHint);
  return { text: lines.join('\n'), format: 'plain', keyboard };
}

/** One skill: its description and steps, with Run, Edit, Delete and back to the list. */
export function renderSkillCard(skill: Skill, locale: Locale): OutMessage {
  const t = skillsTexts(locale);
  const id = skill.id;
  return {
    text: t.card({ name: skill.name, description: skill.description, instructions: clip(skill.instructions, 3000) }),
    format: 'plain',
    keyboard: [
      [
        { text: t.runButton, data: skillsData.encode({ action: 'run', id }) },
        { text: t.editButton, data: skillsData.encode({ action: 'edit', id }) },
        { text: t.deleteButton, data: skillsData.encode({ action: 'delete', id }) },
      ],
      [{ text: t.backButton, data: skillsData.encode({ action: 'list' }) }],
    ],
  };
}

/** "Delete the skill X?" with Yes / Keep. */
export function renderDeleteConfirm(skill: Skill, locale: Locale): OutMessage {
  const t = skillsTexts(locale);
  return {
    text: t.confirmDelete({ name: skill.name }),
    format: 'plain',
    keyboard: [
      [
        { text: t.yesDelete, data: skillsData.encode({ action: 'yes', id: skill.id }) },
        { text: t.keep, data: skillsData.encode({ action: 'keep', id: skill.id }) },
      ],
    ],
  };
}

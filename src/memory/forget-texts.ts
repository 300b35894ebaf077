/** The approval texts of the `forget` tool (what the user sees before facts are deleted), English and Russian. */
import { defineMessages, plural } from '../i18n/catalog.ts';

export const forgetTexts = defineMessages(
  {
    nothing: 'Nothing saved matches this, so nothing would be deleted.',
    wouldForget: (p: { n: number }) => `Would forget ${p.n === 1 ? 'this fact' : `these ${p.n} facts`}:`,
    more: (p: { n: number }) => ` and ${p.n} more`,
    titleOne: (p: { fact: string }) => `Forget ${p.fact}?`,
    titleMany: (p: { n: number; facts: string; more: string }) => `Forget these ${p.n} facts: ${p.facts}${p.more}?`,
    yes: 'Forget',
    no: 'Keep',
  },
  {
    ru: {
      nothing: 'Ничего подходящего не сохранено, так что удалять нечего.',
      wouldForget: (p) =>
        p.n === 1
          ? 'Будет забыт этот факт:'
          : `Будут забыты ${plural('ru', p.n, { one: '{n} факт', few: '{n} факта', many: '{n} фактов', other: '{n} факта' })}:`,
      more: (p) => ` и ещё ${p.n}`,
      titleOne: (p) => `Забыть ${p.fact}?`,
      titleMany: (p) =>
        `Забыть ${plural('ru', p.n, { one: '{n} факт', few: '{n} факта', many: '{n} фактов', other: '{n} факта' })}: ${p.facts}${p.more}?`,
      yes: 'Забыть',
      no: 'Оставить',
    },
  },
);

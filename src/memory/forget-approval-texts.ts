import { defineMessages, plural } from '../i18n/catalog.ts';

/** How a `forget` call reads in its approval prompt, English and Russian. */
export const forgetApprovalTexts = defineMessages(
  {
    nothingMatches: 'Nothing saved matches this, so nothing would be deleted.',
    wouldForget: (p: { n: number }) => `Would forget ${p.n === 1 ? 'this fact' : `these ${p.n} facts`}:`,
    forgetOne: (p: { fact: string }) => `Forget ${p.fact}?`,
    forgetMany: (p: { n: number; list: string; more: number }) =>
      `Forget these ${p.n} facts: ${p.list}${p.more > 0 ? ` and ${p.more} more` : ''}?`,
    yes: 'Forget',
    no: 'Keep',
  },
  {
    ru: {
      nothingMatches: 'Ничего подходящего не сохранено, так что удалять нечего.',
      wouldForget: (p) =>
        p.n === 1
          ? 'Будет забыт этот факт:'
          : `Будут забыты ${plural('ru', p.n, { one: 'этот {n} факт', few: 'эти {n} факта', many: 'эти {n} фактов', other: 'эти {n} факта' })}:`,
      forgetOne: (p) => `Забыть ${p.fact}?`,
      forgetMany: (p) =>
        `Забыть ${plural('ru', p.n, { one: 'этот {n} факт', few: 'эти {n} факта', many: 'эти {n} фактов', other: 'эти {n} факта' })}: ${p.list}${p.more > 0 ? ` и ещё ${p.more}` : ''}?`,
      yes: 'Забыть',
      no: 'Оставить',
    },
  },
);

import { defineMessages } from '../i18n/catalog.ts';

/** How an MCP tool call reads in its approval prompt, English and Russian. */
export const mcpTexts = defineMessages(
  {
    details: (p: { server: string; tool: string }) => `Service “${p.server}”, tool “${p.tool}”`,
    title: (p: { server: string; tool: string }) => `Run “${p.tool}” on ${p.server}?`,
    yes: 'Run',
    no: "Don't run",
  },
  {
    ru: {
      details: (p) => `Сервис «${p.server}», инструмент «${p.tool}»`,
      title: (p) => `Выполнить «${p.tool}» в сервисе ${p.server}?`,
      yes: 'Выполнить',
      no: 'Не выполнять',
    },
  },
);

import { defineMessages } from '../../i18n/catalog.ts';

/** How an `http_fetch` call reads in its confirmation, English and Russian. */
export const fetchApprovalTexts = defineMessages(
  {
    title: (p: { host: string }) => `Fetch a page from ${p.host}?`,
    yes: 'Fetch',
    no: "Don't fetch",
  },
  {
    ru: {
      title: (p) => `Открыть страницу на ${p.host}?`,
      yes: 'Открыть',
      no: 'Не открывать',
    },
  },
);

import { defineMessages } from '../i18n/catalog.ts';

/** How a `knowledge_save` call reads in its confirmation, English and Russian. */
export const saveApprovalTexts = defineMessages(
  {
    title: (p: { host: string }) => `Save a page from ${p.host} to your library?`,
    yes: 'Save',
    no: "Don't save",
  },
  {
    ru: {
      title: (p) => `Сохранить страницу с ${p.host} в вашу библиотеку?`,
      yes: 'Сохранить',
      no: 'Не сохранять',
    },
  },
);

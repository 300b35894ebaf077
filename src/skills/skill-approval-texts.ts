import { defineMessages } from '../i18n/catalog.ts';

/** How a `skill_save` call reads in an approval prompt (asked only after untrusted text entered the turn). */
export const skillApprovalTexts = defineMessages(
  {
    title: (p: { name: string }) => `Save the skill “${p.name}” with these steps?`,
    yes: 'Save',
    no: "Don't save",
  },
  {
    ru: {
      title: (p) => `Сохранить навык «${p.name}» с такими шагами?`,
      yes: 'Сохранить',
      no: 'Не сохранять',
    },
  },
);

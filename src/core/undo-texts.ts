import { defineMessages } from '../i18n/catalog.ts';

/** Texts of Undo (the storage side's and the button's). */
export const undoTexts = defineMessages(
  {
    button: '↩️ Undo',
    tooLate: 'Too late to undo — create it again.',
    failed: 'Something went wrong. Please tap Undo again.',
  },
  {
    ru: {
      button: '↩️ Отменить',
      tooLate: 'Отменить уже нельзя — создайте заново.',
      failed: 'Что-то пошло не так. Нажмите «Отменить» ещё раз.',
    },
  },
);

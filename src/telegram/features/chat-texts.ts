import { defineMessages } from '../../i18n/catalog.ts';

/** The chat feature's own texts (the model's answers are not here: they follow the language the user writes in). */
export const chatTexts = defineMessages(
  {
    continueButton: '▶️ Continue',
    failed: 'Something went wrong on my side. Tap Retry.',
    noApprovals: "This needs someone's approval, but approvals aren't available right now. Please try again later.",
    buttonInvalid: 'This button is no longer valid.',
    continuing: 'Continuing…',
  },
  {
    ru: {
      continueButton: '▶️ Продолжить',
      failed: 'У меня что-то пошло не так. Нажмите «Повторить».',
      noApprovals: 'Для этого нужно чьё-то подтверждение, но подтверждения сейчас недоступны. Попробуйте позже.',
      buttonInvalid: 'Эта кнопка больше не работает.',
      continuing: 'Продолжаю…',
    },
  },
);

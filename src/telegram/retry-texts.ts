import { defineMessages } from '../i18n/catalog.ts';

/** Texts of the error boundary, Retry and Continue, and of buttons nothing handles any more. */
export const retryTexts = defineMessages(
  {
    retryButton: '🔁 Retry',
    failure: 'Sorry, something went wrong while answering. Tap Retry to try again, or rephrase your message.',
    failureNoRetry: 'Sorry, something went wrong on my side. Please try again in a moment.',
    failureToast: 'Something went wrong.',
    tooOld: 'That message is too old to retry — please send it again.',
    retrying: '↻ Retrying…',
    retried: '↻ Retried — see below.',
    notValidHere: "This button isn't valid here.",
    onlyAuthorContinues: (p: { who: string }) => `Only ${p.who} can continue this.`,
    alreadyContinued: 'Already continued — see below.',
    notValidAnyMore: "This button isn't valid any more. Please send your message again.",
    alreadyRetried: 'Already retried — see below.',
    notValidHereSendAgain: "This button isn't valid here. Please send your message again.",
    onlyAuthorRetries: (p: { who: string }) => `Only ${p.who} can retry this.`,
    tryingAgain: 'Trying again…',
    noLongerActive: 'This button is no longer active.',
  },
  {
    ru: {
      retryButton: '🔁 Повторить',
      failure: 'Простите, при ответе что-то пошло не так. Нажмите «Повторить» или переформулируйте сообщение.',
      failureNoRetry: 'Простите, у меня что-то пошло не так. Попробуйте ещё раз чуть позже.',
      failureToast: 'Что-то пошло не так.',
      tooOld: 'Это сообщение слишком старое, чтобы повторить, — отправьте его ещё раз.',
      retrying: '↻ Повторяю…',
      retried: '↻ Повторено — см. ниже.',
      notValidHere: 'Эта кнопка здесь не работает.',
      onlyAuthorContinues: (p) => `Продолжить может только ${p.who}.`,
      alreadyContinued: 'Уже продолжено — см. ниже.',
      notValidAnyMore: 'Эта кнопка больше не работает. Отправьте сообщение ещё раз.',
      alreadyRetried: 'Уже повторено — см. ниже.',
      notValidHereSendAgain: 'Эта кнопка здесь не работает. Отправьте сообщение ещё раз.',
      onlyAuthorRetries: (p) => `Повторить может только ${p.who}.`,
      tryingAgain: 'Пробую ещё раз…',
      noLongerActive: 'Эта кнопка больше не активна.',
    },
  },
);

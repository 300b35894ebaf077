import { defineMessages } from '../i18n/catalog.ts';

/** Texts /wipe leaves in the chat (the /wipe and /export commands' own texts live with those commands). */
export const privacyTexts = defineMessages(
  { cancelledByWipe: 'Cancelled: this request was erased with /wipe.' },
  { ru: { cancelledByWipe: 'Отменено: этот запрос стёрт командой /wipe.' } },
);

import type { Migration } from './index.ts';

/**
 * The user's Telegram language (`from.language_code`, e.g. `ru` or `en-US`), kept from their latest update so texts
 * sent outside an update (reminders, approvals, notices) use it too. An explicit /language choice lives in
 * `users.settings.language` and wins over it.
 */
export const userLanguageMigration: Migration = {
  version: 21,
  name: 'user-language',
  statements: ['ALTER TABLE users ADD COLUMN language TEXT'],
};

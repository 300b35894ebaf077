import type { Migration } from './index.ts';

/**
 * How an approval prompt reads (issue 12, point 3): a plain confirmation ("Delete the reminder …?" [Delete] [Keep])
 * when the user asked, or the formal approval, with the title and button verbs its tool described. JSON, NULL for
 * questions and for rows written before (they show as formal approvals).
 */
export const approvalPresentationMigration: Migration = {
  version: 19,
  name: 'approval-presentation',
  statements: ['ALTER TABLE approvals ADD COLUMN presentation TEXT'],
};

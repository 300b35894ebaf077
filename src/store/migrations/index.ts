import { coreMigration } from './001-core.ts';
import { agentsMigration } from './002-agents.ts';
import { outboxMigration } from './003-outbox.ts';
import { telegramMigration } from './004-telegram.ts';
import { memoryMigration } from './005-memory.ts';
import { schedulerMigration } from './006-scheduler.ts';
import { approvalsMigration } from './007-approvals.ts';
import { journalLeaseMigration } from './008-journal-lease.ts';
import { memoryIndexesMigration } from './009-memory-indexes.ts';
import { jobRequestKeysMigration } from './010-job-request-keys.ts';
import { accessMigration } from './011-access.ts';
import { retentionMigration } from './012-retention.ts';
import { approvalGrantsMigration } from './013-approval-grants.ts';
import { lastUsedPerUserMigration } from './015-last-used-per-user.ts';
import { jobsPolishMigration } from './017-jobs-polish.ts';
import { memoryUndoMigration } from './018-memory-undo.ts';
import { approvalPresentationMigration } from './019-approval-presentation.ts';
import { accessNoticesPerChatMigration } from './020-access-notices-per-chat.ts';
import { userLanguageMigration } from './021-user-language.ts';
import { knowledgeMigration } from './022-knowledge.ts';
import { secretsMigration } from './026-secrets.ts';
import { usageBudgetsMigration } from './025-usage-budgets.ts';
import { workflowsMigration } from './028-workflows.ts';
import { tasksMigration } from './030-tasks.ts';
import { skillsMigration } from './027-skills.ts';
import { sendBudgetMigration } from './029-send-budget.ts';

/** One schema version. Statements run in order inside one transaction. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Every migration, in version order. Feature modules add theirs here (one line each). */
export const migrations: Migration[] = [
  coreMigration,
  agentsMigration,
  outboxMigration,
  telegramMigration,
  memoryMigration,
  schedulerMigration,
  approvalsMigration,
  journalLeaseMigration,
  memoryIndexesMigration,
  jobRequestKeysMigration,
  accessMigration,
  retentionMigration,
  approvalGrantsMigration,
  lastUsedPerUserMigration,
  jobsPolishMigration,
  memoryUndoMigration,
  approvalPresentationMigration,
  accessNoticesPerChatMigration,
  userLanguageMigration,
  knowledgeMigration,
  secretsMigration,
  usageBudgetsMigration,
  skillsMigration,
  workflowsMigration,
  sendBudgetMigration,
  tasksMigration,
];

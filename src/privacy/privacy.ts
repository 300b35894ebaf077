import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { KnowledgeService } from '../knowledge/knowledge.ts';
import type { Memory } from '../memory/memory.ts';
import type { Store } from '../store/db.ts';
import { secureDeletes } from '../store/secure-delete.ts';
import { buildExport, type PrivacyExport } from './export.ts';
import { exportWorkflowRuns, wipeWorkflowRuns } from './workflows-privacy.ts';
import type { WipeFence } from './fence.ts';
import { cancelUserRuns, eraseUserRows, readUserRows } from './privacy-store.ts';
import type { Locale } from '../i18n/locale.ts';
import { privacyTexts } from './privacy-texts.ts';

export interface PrivacyDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  memory: Pick<Memory, 'wipeUser' | 'exportUser'>;
  /** The user's documents (their library and what they added to groups); absent in setups without it. */
  knowledge?: Pick<KnowledgeService, 'wipeUser' | 'exportUser'>;
  /** Waits for resumes already running (they finish before the user's rows go). */
  approvals: { idle(): Promise<void> };
  fence: WipeFence;
  /** Closes the prompts of cancelled requests in the chat. */
  outbox?: Pick<Outbox, 'edit'>;
  /** The user's language for those closed prompts (read before the wipe erases it; default English). */
  localeOf?: (userId: number) => Promise<Locale>;
}

/** What /wipe erased, for the confirmation message. */
export interface WipeReport {
  messages: number;
  facts: number;
  schedules: number;
  requests: number;
  documents: number;
}

/** /wipe and /export across every table (see docs/operations.md, "Retention"). */
export interface Privacy {
  /**
   * Erases everything stored about the user: pending requests are cancelled first, running turns and resumes
   * can't write the conversation back, then every table is cleared of the user's rows with deleted content
   * overwritten on disk, and the WAL is checkpointed.
   */
  wipeUser(userId: number): Promise<WipeReport>;
  exportUser(userId: number): Promise<PrivacyExport>;
}

export function createPrivacy(deps: PrivacyDeps): Privacy {
  const { store, clock, log } = deps;
  return {
    async wipeUser(userId) {
      const locale = (await deps.localeOf?.(userId)) ?? 'en';
      // 1. Turns of this user already running will not commit to memory any more.
      await deps.fence.begin(userId);
      // 2. Nothing paused may resume and write the conversation back: cancel before erasing anything else.
      const cancelled = await store.write(async (tx) => {
        await secureDeletes(tx, store.kind);
        return cancelUserRuns(tx, userId);
      });
      for (const p of cancelled.prompts) {
        await deps.outbox
          ?.edit(p.chat, p.messageId, { text: privacyTexts(locale).cancelledByWipe, format: 'plain' })
          .catch(() => undefined);
      }
      // 3. A resume that was already running finishes first; what it wrote is erased below.
      await deps.approvals.idle();
      // 4. Memory (waits for its own background work), then everything else, then memory again: background work
      //    that had read the user's messages before step 4 has finished by now and is erased with the second pass.
      const memory = await deps.memory.wipeUser(userId);
      const rows = await store.write(async (tx) => {
        await secureDeletes(tx, store.kind);
        await wipeWorkflowRuns(tx, userId);
        return eraseUserRows(tx, userId, cancelled.runIds, clock.now());
      });
      const again = await deps.memory.wipeUser(userId);
      const documents = (await deps.knowledge?.wipeUser(userId))?.documents ?? 0;
      // 5. Deleted pages leave the WAL too.
      try {
        await store.checkpoint();
      } catch (err) {
        log.warn({ err: toError(err) }, 'checkpoint after /wipe failed; the WAL is checkpointed later');
      }
      const report: WipeReport = {
        messages: memory.messages + again.messages,
        facts: memory.facts + again.facts,
        schedules: rows.jobs,
        requests: cancelled.open,
        documents,
      };
      log.info({ userId, ...report, runs: cancelled.runIds.length, updates: rows.updates }, 'user data wiped');
      return report;
    },

    async exportUser(userId) {
      const memory = await deps.memory.exportUser(userId);
      const documents = (await deps.knowledge?.exportUser(userId)) ?? [];
      const built = buildExport(memory, await readUserRows(store, userId), documents);
      return { ...built, workflows: await exportWorkflowRuns(store, userId) };
    },
  };
}

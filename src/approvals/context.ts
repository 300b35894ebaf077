import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import type { ApprovalStore } from './approval-store.ts';
import type { ApprovalsDeps } from './approvals-api.ts';
import type { RunStore } from './run-store.ts';

/** What the parts of the approvals service share (built once by `createApprovals`). */
export interface ApprovalsContext {
  deps: ApprovalsDeps;
  store: Store;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  approvals: ApprovalStore;
  runs: RunStore;
  /** Runs work in the background, tracked (errors logged) so `idle()` and `stop()` can wait for it. */
  background(label: string, fn: () => Promise<unknown>): void;
  /** Whether the bot still serves this user. */
  served(userId: number): Promise<boolean>;
  /** Owners may decide anyone's request. */
  isOwner(userId: number): Promise<boolean>;
}

import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Suspension, TurnRequest, TurnRunner } from '../core/turn.ts';
import type { Store } from '../store/db.ts';
import type { TaskOptions } from './task.ts';

/** What the tasks module is built from (services created by createApp). */
export interface TasksDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  ids: IdGen;
  outbox: Pick<Outbox, 'send'>;
  /** The app's one turn runner (memory, budgets, guards apply to a task's turn as to a chat turn). */
  turnRunner: TurnRunner;
  /** A task that needs an approval pauses like any turn; the approval flow posts its answer. */
  approvals?: { onSuspended(request: TurnRequest, suspension: Suspension): Promise<unknown> };
  /** Whether the user is still served: a revoked user's task does not run, and its end is not posted. */
  isServed?: (userId: number) => Promise<boolean>;
  options?: Partial<TaskOptions>;
  /** Names this process in the claims (default a random id). */
  instanceId?: string;
}

/** Why this process interrupts a running task. */
export type StopReason = 'shutdown' | 'cancelled' | 'timeout';

/** A running task's handle in this process. */
export interface Running {
  abort(reason: StopReason): void;
}

/** Shared by the task runner's parts. */
export interface TasksContext {
  deps: TasksDeps;
  store: Store;
  clock: Clock;
  log: Logger;
  opt: TaskOptions;
  instanceId: string;
  /** Tasks running in this process, by id. */
  running: Map<string, Running>;
}

import { createDueLoop } from '../core/due-loop.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { Task } from './task.ts';
import { DEFAULT_TASK_OPTIONS, type TaskOptions } from './task.ts';
import type { TasksContext, TasksDeps } from './task-context.ts';
import { deliverEnd } from './task-delivery.ts';
import { runTask } from './task-run.ts';
import {
  type CancelResult,
  claimDelivery,
  claimNext,
  cancelTask,
  insertTask,
  listTasks,
  releaseTask,
  takeOverLapsed,
  undelivered,
} from './task-store.ts';

export type { TasksDeps } from './task-context.ts';

/** A task as the router asks for it, with the turn it was asked in. */
export interface NewTask {
  userId: number;
  chat: Task['chat'];
  requestMessageId?: number;
  title: string;
  description: string;
  timezone: string;
  locale?: Task['locale'];
  untrusted: boolean;
}

/** A new task: queued (it starts as soon as a slot is free), or refused because of a limit. */
export type CreateResult =
  | { ok: true; task: Pick<Task, 'id' | 'title'> }
  | { ok: false; reason: 'user' | 'global'; limit: number };

/** Background tasks: turns that run beside the chat and post their result as a reply to the request when done. */
export interface Tasks {
  readonly options: TaskOptions;
  create(input: NewTask): Promise<CreateResult>;
  /** Cancels the user's queued or running task: a running one is stopped, and the chat is told once. */
  cancel(id: string, userId: number): Promise<CancelResult>;
  /** The user's open tasks in a chat, then the latest ended ones. */
  list(userId: number, chatId: number): Promise<Task[]>;
  /** Takes over tasks of a crashed instance, posts what was not posted, and starts queued tasks. */
  start(): void;
  /** Stops taking tasks, waits up to `drainMs` for running ones, then puts the rest back in the queue. */
  stop(): Promise<void>;
  /** Resolves when no task runs in this process (tests). */
  idle(): Promise<void>;
}

/** Creates the background task runner. Nothing runs until `start()`. */
export function createTasks(deps: TasksDeps): Tasks {
  const opt: TaskOptions = { ...DEFAULT_TASK_OPTIONS, ...deps.options };
  const { store, clock } = deps;
  const log = deps.log.child({ module: 'tasks' });
  const ctx: TasksContext = {
    deps,
    store,
    clock,
    log,
    opt,
    instanceId: deps.instanceId ?? `tsk-${deps.ids()}`,
    running: new Map(),
  };
  const set = createTaskSet({ clock, log });
  let started = false;
  let stopping = false;

  /** Starts queued tasks while slots are free (this process runs them). */
  async function pump(): Promise<void> {
    while (!stopping) {
      const now = clock.now();
      const task = await claimNext(store, {
        instanceId: ctx.instanceId,
        now,
        leaseUntil: now + opt.leaseMs,
        perUserRunning: opt.perUserRunning,
        globalRunning: opt.globalRunning,
      });
      if (!task) return;
      const taken = set.run(`task:${task.id}`, async () => {
        try {
          await runTask(ctx, task);
        } finally {
          loop.wake();
        }
      });
      if (!taken) await releaseTask(store, task.id, ctx.instanceId, clock.now());
    }
  }

  async function redeliver(): Promise<void> {
    const now = clock.now();
    for (const t of await undelivered(store, now)) {
      if (await claimDelivery(store, t.id, now, now + opt.leaseMs)) await deliverEnd(ctx, t, t.result);
    }
  }

  const loop = createDueLoop({
    clock,
    log,
    name: 'tasks',
    maxSleepMs: Math.max(1_000, Math.min(10_000, Math.floor(opt.leaseMs / 2))),
    minGapMs: 5,
    tick: async () => {
      const lapsed = await takeOverLapsed(store, clock.now(), opt.maxAttempts);
      if (lapsed.requeued + lapsed.failed > 0) log.info(lapsed, 'took over background tasks of a stopped instance');
      await redeliver();
      await pump();
      return undefined;
    },
  });

  return {
    options: opt,
    async create(input) {
      const id = deps.ids();
      const inserted = await insertTask(store, { id, ...input }, opt, clock.now());
      if (!inserted.ok) return inserted;
      if (started) loop.wake();
      return { ok: true, task: { id: inserted.id, title: input.title } };
    },
    async cancel(id, userId) {
      const now = clock.now();
      const r = await cancelTask(store, id, userId, now, now + opt.leaseMs);
      if (r.result !== 'cancelled') return r;
      ctx.running.get(id)?.abort('cancelled');
      log.info({ taskId: id }, 'background task cancelled by its user');
      await deliverEnd(ctx, r.task, undefined);
      loop.wake();
      return r;
    },
    list: (userId, chatId) => listTasks(store, userId, chatId, 5),
    start() {
      if (started) return;
      started = true;
      loop.start();
    },
    async stop() {
      stopping = true;
      await loop.stop();
      if (await set.drain(opt.drainMs)) return;
      log.info(
        { running: ctx.running.size },
        'background tasks still running at shutdown; they run again at the next start',
      );
      for (const r of ctx.running.values()) r.abort('shutdown');
      if (!(await set.drain(1_000))) log.warn('some background tasks did not stop in time');
    },
    idle: () => set.idle(),
  };
}

import type { Update } from 'grammy/types';
import { type Cancel, type Clock, later } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { toError } from '../../core/errors.ts';
import type { Journal } from './journal.ts';
import { type TurnControl, isShutdownAbort, starterOf } from './turn-control.ts';
import { isControlUpdate } from './classify.ts';

/** An update ready to run. */
export interface DispatchItem {
  updateId: number;
  chatKey: string | null;
  update: Update;
  /** Attempts made before this one (from the journal). */
  attempts?: number;
}

export interface DispatcherOptions {
  journal: Journal;
  control: TurnControl;
  log: Logger;
  /** Drives the retry waits, the queued notice and the shutdown grace period. */
  clock: Clock;
  /** Processes one update (normally `bot.handleUpdate`). Throwing marks it failed. */
  handle: (update: Update) => Promise<void>;
  /** Global bound on updates running at once across chats. Default 8. */
  concurrency?: number;
  /** An update that already failed this many times (crash loops) is given up. Default 3. */
  maxAttempts?: number;
  /** Called when a message has waited this long behind a running turn in its chat. Default 4000 ms. */
  queuedNoticeMs?: number;
  onQueued?: (item: DispatchItem) => void;
  /**
   * True when the bot will answer this update (in groups: it is addressed to the bot). Only those get the queued
   * notice: group chatter never hears from the bot. Default: every message.
   */
  willAnswer?: (update: Update) => boolean;
  /** Called when an update is given up after `maxAttempts`. */
  onGiveUp?: (item: DispatchItem) => void;
}

export interface DispatcherStats {
  running: number;
  queued: number;
  lanes: number;
  done: number;
  failed: number;
}

/** Per-chat ordered, globally bounded processing of journaled updates. */
export interface Dispatcher {
  enqueue(item: DispatchItem): void;
  /** Resolves when nothing is running or queued. */
  idle(): Promise<void>;
  /**
   * Stops taking work. Queued updates stay `pending` in the journal. Running ones get `graceMs` to finish,
   * then are aborted (they stay unfinished and resume on the next start).
   */
  stop(graceMs: number): Promise<void>;
  stats(): DispatcherStats;
  /** Updates queued or running per chat lane (non-empty lanes only), for the queue-depth metric. */
  depths(): Map<string, number>;
}

interface Lane {
  key: string;
  queue: DispatchItem[];
  busy: boolean;
  noticeSent: boolean;
}

/** Creates the dispatcher. Lanes run strictly in order; different lanes run in parallel up to `concurrency`. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { journal, control, log, handle, clock } = options;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxAttempts = options.maxAttempts ?? 3;
  const queuedNoticeMs = options.queuedNoticeMs ?? 4000;
  const lanes = new Map<string, Lane>();
  const ready: Lane[] = [];
  const inFlight = new Set<Promise<void>>();
  const noticeTimers = new Map<number, Cancel>();
  let running = 0;
  let stopped = false;
  let done = 0;
  let failed = 0;
  let idleWaiters: (() => void)[] = [];

  const queuedCount = () => [...lanes.values()].reduce((n, l) => n + l.queue.length, 0);

  function checkIdle(): void {
    if (running === 0 && inFlight.size === 0 && queuedCount() === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function execute(item: DispatchItem, chatKey: string): Promise<void> {
    const ulog = log.child({ update_id: item.updateId, chat_key: chatKey });
    let attempts: number | undefined;
    // A transient database error must not silently park the message until the next restart: retry briefly
    // (the lane waits, so order holds), then tell the user; the row stays pending and resumes on the next start.
    for (const wait of [200, 600, 1200, 0]) {
      try {
        attempts = await journal.markRunning(item.updateId);
        if (attempts === undefined) {
          // Our lease lapsed and another instance took the update over (or it already finished): it is theirs.
          ulog.warn('update is owned by another instance now; not running it here');
          return;
        }
        break;
      } catch (err) {
        ulog.error({ err: toError(err), retryInMs: wait || undefined }, 'cannot mark update running');
        if (wait === 0 || stopped) break;
        await clock.sleep(wait);
      }
    }
    if (attempts === undefined) {
      ulog.error('leaving the update pending; it resumes on the next start');
      if (!stopped) options.onGiveUp?.(item);
      return;
    }
    if (attempts > maxAttempts) {
      ulog.error({ attempts }, 'update failed too many times; giving up');
      await journal.finish(item.updateId, 'failed', `gave up after ${attempts - 1} attempts`).catch(() => undefined);
      failed++;
      options.onGiveUp?.(item);
      return;
    }
    const controller = control.begin(item.updateId, chatKey, starterOf(item.update));
    try {
      await handle(item.update);
      if (isShutdownAbort(controller.signal.reason)) {
        await journal.finish(item.updateId, 'pending');
        ulog.info('turn interrupted by shutdown; it resumes on the next start');
      } else {
        if (!(await journal.finish(item.updateId, 'done')))
          ulog.warn('finished an update another instance had taken over');
        done++;
      }
    } catch (err) {
      if (isShutdownAbort(controller.signal.reason)) {
        await journal.finish(item.updateId, 'pending').catch(() => undefined);
        ulog.info('turn interrupted by shutdown; it resumes on the next start');
      } else {
        failed++;
        const e = toError(err);
        ulog.error({ err: e }, 'update failed');
        await journal
          .finish(item.updateId, 'failed', e.message.slice(0, 500))
          .catch((e2) => ulog.error({ err: toError(e2) }, 'cannot record failure'));
      }
    } finally {
      control.end(item.updateId);
    }
  }

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => {
      inFlight.delete(p);
      checkIdle();
    });
  }

  function pump(): void {
    while (!stopped && running < concurrency && ready.length > 0) {
      const lane = ready.shift()!;
      const item = lane.queue.shift();
      if (!item) continue;
      const cancelNotice = noticeTimers.get(item.updateId);
      if (cancelNotice) {
        cancelNotice();
        noticeTimers.delete(item.updateId);
      }
      lane.busy = true;
      running++;
      const p = execute(item, lane.key).finally(() => {
        running--;
        lane.busy = false;
        if (lane.queue.length > 0) {
          ready.push(lane);
        } else {
          lane.noticeSent = false;
          lanes.delete(lane.key);
        }
        pump();
      });
      track(p);
    }
    checkIdle();
  }

  function scheduleNotice(lane: Lane, item: DispatchItem): void {
    if (!options.onQueued || !item.update.message) return;
    if (options.willAnswer && !options.willAnswer(item.update)) return;
    const cancel = later(
      clock,
      queuedNoticeMs,
      () => {
        noticeTimers.delete(item.updateId);
        if (stopped || lane.noticeSent || !lane.queue.includes(item)) return;
        lane.noticeSent = true;
        options.onQueued?.(item);
      },
      { unref: true, onError: (err) => log.warn({ err: toError(err) }, 'queued notice failed') },
    );
    noticeTimers.set(item.updateId, cancel);
  }

  return {
    enqueue(item) {
      if (stopped) return; // stays pending in the journal
      if (item.chatKey === null || isControlUpdate(item.update)) {
        // Not tied to a chat, or a control update (/stop) that must overtake the turn it cancels.
        const key = item.chatKey ?? `update:${item.updateId}`;
        track(execute(item, key));
        return;
      }
      let lane = lanes.get(item.chatKey);
      if (!lane) {
        lane = { key: item.chatKey, queue: [], busy: false, noticeSent: false };
        lanes.set(item.chatKey, lane);
      }
      // In update_id order: an update taken over from another instance may be older than ones already queued.
      const at = lane.queue.findIndex((q) => q.updateId > item.updateId);
      if (at === -1) lane.queue.push(item);
      else lane.queue.splice(at, 0, item);
      if (lane.busy) scheduleNotice(lane, item);
      else if (lane.queue.length === 1) ready.push(lane);
      pump();
    },
    idle() {
      if (running === 0 && inFlight.size === 0 && queuedCount() === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop(graceMs) {
      stopped = true;
      for (const cancel of noticeTimers.values()) cancel();
      noticeTimers.clear();
      lanes.clear();
      ready.length = 0;
      const all = () => Promise.allSettled([...inFlight]);
      if (!(await settledWithin(clock, all, graceMs))) {
        const n = control.abortAll();
        log.warn({ aborted: n }, 'aborting turns still running after the grace period; they resume on the next start');
        // Give aborted turns a moment to record their state; unfinished rows resume anyway.
        await settledWithin(clock, all, 2000, true);
      }
    },
    stats() {
      return { running, queued: queuedCount(), lanes: lanes.size, done, failed };
    },
    depths() {
      const out = new Map<string, number>();
      for (const l of lanes.values())
        if (l.busy || l.queue.length > 0) out.set(l.key, l.queue.length + (l.busy ? 1 : 0));
      return out;
    },
  };
}

/** Waits for `work` at most `ms` of clock time; true when it settled first. `unref`: the wait doesn't hold the process. */
async function settledWithin(clock: Clock, work: () => Promise<unknown>, ms: number, unref = false): Promise<boolean> {
  const timeout = new AbortController();
  const timedOut = clock.sleep(ms, timeout.signal, { unref }).then(
    () => true,
    () => false,
  );
  const late = await Promise.race([work().then(() => false), timedOut]);
  timeout.abort();
  return !late;
}

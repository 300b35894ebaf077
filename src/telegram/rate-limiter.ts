import type { Clock } from '../core/clock.ts';

/**
 * `message`: counts toward Telegram's message limits (sendMessage, edits, documents).
 * `light`: chat actions and drafts — not part of the message budget, only throttled per chat.
 */
export type Lane = 'message' | 'light';

export interface AcquireOptions {
  lane?: Lane;
  /**
   * Requests with the same key replace each other while waiting: the older one resolves `false` (dropped) and the
   * newer takes its place in the queue. For streaming-preview edits and drafts; never set it for final messages.
   */
  coalesceKey?: string;
  /** Aborting removes the request from the queue (resolves `false`). */
  signal?: AbortSignal;
}

export interface RateLimiter {
  /** Waits for a send slot in `chatId`. Resolves `true` when granted, `false` when dropped (coalesced/aborted/closed). */
  acquire(chatId: number, options?: AcquireOptions): Promise<boolean>;
  /** Telegram answered 429: pause this chat (and, when several chats are hit at once, everyone) for `retryAfterMs`. */
  onRateLimited(chatId: number, retryAfterMs: number): void;
  /** Pauses every chat until `untilMs` (epoch ms). */
  blockGlobal(untilMs: number): void;
  /** Requests waiting, for metrics/tests. */
  pending(): number;
  /** Drops every waiting request and stops the timer. */
  close(): void;
}

export interface RateLimiterOptions {
  clock: Clock;
  /** Messages per second in one private chat (Telegram: about 1). */
  privatePerSec?: number;
  /** Messages per minute in one group (Telegram: 20). */
  groupPerMin?: number;
  /** Messages per second across all chats (Telegram: 30). */
  globalPerSec?: number;
  /** Minimum gap between light requests (drafts, chat actions) in one chat. */
  lightIntervalMs?: number;
  /** Extra time added to every window, to absorb network jitter between our grant and Telegram's clock. */
  marginMs?: number;
}

interface Waiter {
  resolve(granted: boolean): void;
  coalesceKey: string | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface ChatState {
  id: number;
  /** Grant times of recent messages (sliding window log, oldest first). */
  sent: number[];
  blockedUntil: number;
  lastLight: number;
  message: Waiter[];
  light: Waiter[];
}

/**
 * Sliding-window scheduler for Telegram's flood limits. At most `limit` grants in any `window` per chat (private
 * 1/s, group 20/min) and globally (30/s). FIFO within a chat and lane; round-robin across chats (the chat served
 * least recently goes first). One timer, re-armed for the earliest moment something can be granted.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const clock = options.clock;
  const margin = options.marginMs ?? 25;
  const privateLimit = windowOf(options.privatePerSec ?? 1, 1000, margin);
  const groupLimit = windowOf(options.groupPerMin ?? 20, 60_000, margin);
  const globalLimit = windowOf(options.globalPerSec ?? 30, 1000, margin);
  const lightInterval = options.lightIntervalMs ?? 300;

  const chats = new Map<number, ChatState>();
  /** Chats with waiting requests, in round-robin order (least recently served first). */
  const active = new Map<number, ChatState>();
  const globalSent: number[] = [];
  let globalBlockedUntil = 0;
  const recent429: { chatId: number; at: number }[] = [];
  let timer: AbortController | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;

  function windowOf(count: number, per: number, extra: number): { limit: number; window: number } {
    // Fractional rates (e.g. 0.5/s) become 1 per 2 s.
    if (count >= 1) return { limit: Math.floor(count), window: per + extra };
    return { limit: 1, window: per / count + extra };
  }

  function stateOf(chatId: number): ChatState {
    let s = chats.get(chatId);
    if (!s) {
      s = { id: chatId, sent: [], blockedUntil: 0, lastLight: Number.NEGATIVE_INFINITY, message: [], light: [] };
      chats.set(chatId, s);
    }
    return s;
  }

  const limitFor = (chatId: number) => (chatId < 0 ? groupLimit : privateLimit);

  /** Earliest time a new grant fits into the log, or now. */
  function freeAt(log: number[], rule: { limit: number; window: number }, now: number): number {
    while (log.length > 0 && log[0]! + rule.window <= now) log.shift();
    if (log.length < rule.limit) return now;
    return log[log.length - rule.limit]! + rule.window;
  }

  /** Forgets idle chats whose windows have passed, so memory stays bounded. */
  function sweep(now: number): void {
    for (const [id, st] of chats) {
      if (active.has(id) || st.blockedUntil > now) continue;
      if (freeAt(st.sent, limitFor(id), now) <= now && st.sent.length === 0 && st.lastLight + lightInterval <= now) chats.delete(id);
    }
  }

  function grant(waiter: Waiter): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(true);
  }

  function pump(): void {
    if (closed) return;
    const now = clock.now();
    let globalAt = Math.max(now, globalBlockedUntil, freeAt(globalSent, globalLimit, now));
    let earliest = Number.POSITIVE_INFINITY;
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const s of active.values()) {
        // Light requests ignore the global message budget.
        if (s.light.length > 0 && s.lastLight + lightInterval <= now) {
          const w = s.light.shift()!;
          s.lastLight = now;
          grant(w);
          progressed = true;
        }
        if (s.message.length > 0 && globalAt <= now && s.blockedUntil <= now && freeAt(s.sent, limitFor(s.id), now) <= now) {
          const w = s.message.shift()!;
          s.sent.push(now);
          globalSent.push(now);
          globalAt = Math.max(now, globalBlockedUntil, freeAt(globalSent, globalLimit, now));
          grant(w);
          progressed = true;
          // Served: move to the back of the round-robin order.
          active.delete(s.id);
          if (s.message.length > 0 || s.light.length > 0) active.set(s.id, s);
          continue;
        }
        if (s.message.length === 0 && s.light.length === 0) active.delete(s.id);
      }
    }
    for (const s of active.values()) {
      const lightAt = s.light.length > 0 ? s.lastLight + lightInterval : Number.POSITIVE_INFINITY;
      const messageAt =
        s.message.length > 0 ? Math.max(s.blockedUntil, freeAt(s.sent, limitFor(s.id), now), globalAt) : Number.POSITIVE_INFINITY;
      earliest = Math.min(earliest, lightAt, messageAt);
    }
    if (chats.size > 1000) sweep(now);
    arm(earliest);
  }

  function arm(at: number): void {
    if (at === timerAt && timer) return;
    timer?.abort();
    timer = undefined;
    timerAt = at;
    if (!Number.isFinite(at)) return;
    const controller = new AbortController();
    timer = controller;
    const delay = Math.max(0, at - clock.now());
    clock.sleep(delay, controller.signal).then(
      () => {
        if (timer !== controller) return;
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        pump();
      },
      () => undefined,
    );
  }

  function remove(s: ChatState, w: Waiter): boolean {
    for (const queue of [s.message, s.light]) {
      const at = queue.indexOf(w);
      if (at >= 0) {
        queue.splice(at, 1);
        return true;
      }
    }
    return false;
  }

  return {
    acquire(chatId, opts = {}) {
      if (closed) return Promise.resolve(false);
      if (opts.signal?.aborted) return Promise.resolve(false);
      const s = stateOf(chatId);
      const queue = opts.lane === 'light' ? s.light : s.message;
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = { resolve, coalesceKey: opts.coalesceKey, signal: opts.signal, onAbort: undefined };
        if (opts.signal) {
          waiter.onAbort = () => {
            if (remove(s, waiter)) resolve(false);
            pump();
          };
          opts.signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        const older = opts.coalesceKey === undefined ? -1 : queue.findIndex((w) => w.coalesceKey === opts.coalesceKey);
        if (older >= 0) {
          const replaced = queue[older]!;
          queue[older] = waiter;
          if (replaced.onAbort) replaced.signal?.removeEventListener('abort', replaced.onAbort);
          replaced.resolve(false);
        } else {
          queue.push(waiter);
        }
        if (!active.has(chatId)) active.set(chatId, s);
        pump();
      });
    },
    onRateLimited(chatId, retryAfterMs) {
      const now = clock.now();
      const s = stateOf(chatId);
      s.blockedUntil = Math.max(s.blockedUntil, now + retryAfterMs);
      recent429.push({ chatId, at: now });
      while (recent429.length > 0 && recent429[0]!.at < now - 1000) recent429.shift();
      // Several chats hit within a second: that's the global limit, not one chat's.
      if (new Set(recent429.map((r) => r.chatId)).size >= 3) globalBlockedUntil = Math.max(globalBlockedUntil, now + retryAfterMs);
      pump();
    },
    blockGlobal(untilMs) {
      globalBlockedUntil = Math.max(globalBlockedUntil, untilMs);
      pump();
    },
    pending() {
      let n = 0;
      for (const s of active.values()) n += s.message.length + s.light.length;
      return n;
    },
    close() {
      closed = true;
      timer?.abort();
      timer = undefined;
      for (const s of active.values()) {
        for (const w of [...s.message, ...s.light]) {
          if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
          w.resolve(false);
        }
        s.message.length = 0;
        s.light.length = 0;
      }
      active.clear();
    },
  };
}

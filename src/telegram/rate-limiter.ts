import { type Cancel, type Clock, later } from '../core/clock.ts';
import { type Rule, type Use, burstRule, freeAt as windowFreeAt, ruleOf } from './rate-window.ts';

/**
 * `message`: counts toward Telegram's message limits (sendMessage, edits, documents, deletes).
 * `light`: chat actions and drafts — not part of the message budget, only throttled per chat.
 */
export type Lane = 'message' | 'light';

export interface AcquireOptions {
  lane?: Lane;
  /**
   * Requests with the same key replace each other while waiting: the older one resolves `undefined` (dropped) and
   * the newer takes its place in the queue. For streaming-preview edits and drafts; never set it for final messages.
   */
  coalesceKey?: string;
  /** Aborting removes the request from the queue (resolves `undefined`). */
  signal?: AbortSignal;
}

/** A granted send slot. Call `release()` when the request has completed (success or failure). */
export interface Grant {
  release(): void;
  /** Gives the slot back unused (nothing was sent): it stops counting at once. */
  cancel(): void;
}

export interface RateLimiter {
  /** Waits for a send slot in `chatId`. Resolves a Grant, or `undefined` when dropped (coalesced/aborted/closed). */
  acquire(chatId: number, options?: AcquireOptions): Promise<Grant | undefined>;
  /** Telegram answered 429: pause this chat (and, when several chats are hit at once, everyone) for `retryAfterMs`. */
  onRateLimited(chatId: number, retryAfterMs: number): void;
  /** Pauses every chat until `untilMs` (epoch ms). */
  blockGlobal(untilMs: number): void;
  /** Requests waiting, for metrics/tests. */
  pending(): number;
  /** Message sends that count toward the global limit right now (in flight or within its window). */
  globalInUse(): number;
  /** Changes the messages allowed in any second across all chats (0: none until raised). */
  setGlobalLimit(perSec: number): void;
  /** Drops every waiting request and stops the timer. */
  close(): void;
}

export interface RateLimiterOptions {
  clock: Clock;
  /** Messages per second in one private chat (Telegram: about 1). */
  privatePerSec?: number;
  /**
   * Sends allowed back to back in one private chat, averaging `privatePerSec` over the burst (3 → at most 3 in any
   * 3 s). Telegram tolerates short bursts; without one, a quick follow-up waits out the second after the last reply.
   * Default 1 (strict pacing).
   */
  privateBurst?: number;
  /** Messages per minute in one group (Telegram: 20). */
  groupPerMin?: number;
  /** Messages per second across all chats (Telegram: 30). */
  globalPerSec?: number;
  /** Minimum gap between light requests (drafts, chat actions) in one chat. */
  lightIntervalMs?: number;
  /** Extra time added to every window (clock granularity). Default 5 ms. */
  marginMs?: number;
  /** A slot never released counts as done this long after its grant (guards against a leaked Grant). */
  maxInFlightMs?: number;
}

interface Waiter {
  resolve(grant: Grant | undefined): void;
  coalesceKey: string | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface ChatState {
  id: number;
  uses: Use[];
  blockedUntil: number;
  lastLight: number;
  message: Waiter[];
  light: Waiter[];
}

const NOOP_GRANT: Grant = { release: () => undefined, cancel: () => undefined };

/**
 * Sliding-window scheduler for Telegram's flood limits: at most `limit` sends in any `window` per chat (private
 * 1/s, group 20/min) and globally (30/s). A send occupies its slot from the grant until `window` after it
 * completed, so network jitter can't make two sends land closer together at Telegram than the window allows.
 * FIFO within a chat and lane; round-robin across chats (least recently served first). One timer, re-armed for
 * the earliest moment something can be granted; releases and new requests re-run the scheduler.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const clock = options.clock;
  const margin = options.marginMs ?? 5;
  const maxInFlight = options.maxInFlightMs ?? 120_000;
  const privateRule = burstRule(options.privatePerSec ?? 1, Math.max(1, Math.floor(options.privateBurst ?? 1)), margin);
  const groupRule = ruleOf(options.groupPerMin ?? 20, 60_000, margin);
  let globalRule = ruleOf(options.globalPerSec ?? 30, 1000, margin);
  const lightInterval = options.lightIntervalMs ?? 300;

  const chats = new Map<number, ChatState>();
  /** Chats with waiting requests, in round-robin order (least recently served first). */
  const active = new Map<number, ChatState>();
  const globalUses: Use[] = [];
  let globalBlockedUntil = 0;
  const recent429: { chatId: number; at: number }[] = [];
  let timer: Cancel | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;

  function stateOf(chatId: number): ChatState {
    let s = chats.get(chatId);
    if (!s) {
      s = { id: chatId, uses: [], blockedUntil: 0, lastLight: Number.NEGATIVE_INFINITY, message: [], light: [] };
      chats.set(chatId, s);
    }
    return s;
  }

  const ruleFor = (chatId: number): Rule => (chatId < 0 ? groupRule : privateRule);
  const freeAt = (uses: Use[], rule: Rule, now: number) => windowFreeAt(uses, rule, now, maxInFlight);
  const globalFreeAt = (now: number) =>
    globalRule.limit <= 0
      ? Number.POSITIVE_INFINITY
      : Math.max(now, globalBlockedUntil, freeAt(globalUses, globalRule, now));

  function settle(waiter: Waiter, grant: Grant | undefined): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(grant);
  }

  function messageGrant(s: ChatState, now: number): Grant {
    const chatUse: Use = { grantedAt: now, done: undefined };
    const globalUse: Use = { grantedAt: now, done: undefined };
    s.uses.push(chatUse);
    globalUses.push(globalUse);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        const t = clock.now();
        chatUse.done = t;
        globalUse.done = t;
        pump();
      },
      cancel() {
        if (released) return;
        released = true;
        for (const [uses, use] of [
          [s.uses, chatUse],
          [globalUses, globalUse],
        ] as const) {
          const at = uses.indexOf(use);
          if (at >= 0) uses.splice(at, 1);
        }
        pump();
      },
    };
  }

  function pump(): void {
    if (closed) return;
    const now = clock.now();
    let globalAt = globalFreeAt(now);
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const s of active.values()) {
        // Light requests ignore the global message budget.
        if (s.light.length > 0 && s.lastLight + lightInterval <= now) {
          s.lastLight = now;
          settle(s.light.shift()!, NOOP_GRANT);
          progressed = true;
        }
        if (
          s.message.length > 0 &&
          globalAt <= now &&
          s.blockedUntil <= now &&
          freeAt(s.uses, ruleFor(s.id), now) <= now
        ) {
          const w = s.message.shift()!;
          settle(w, messageGrant(s, now));
          globalAt = globalFreeAt(now);
          progressed = true;
          // Served: move to the back of the round-robin order.
          active.delete(s.id);
          if (s.message.length > 0 || s.light.length > 0) active.set(s.id, s);
          continue;
        }
        if (s.message.length === 0 && s.light.length === 0) active.delete(s.id);
      }
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const s of active.values()) {
      const lightAt = s.light.length > 0 ? s.lastLight + lightInterval : Number.POSITIVE_INFINITY;
      const messageAt =
        s.message.length > 0
          ? Math.max(s.blockedUntil, freeAt(s.uses, ruleFor(s.id), now), globalAt)
          : Number.POSITIVE_INFINITY;
      earliest = Math.min(earliest, lightAt, messageAt);
    }
    if (chats.size > 1000) sweep(now);
    arm(earliest);
  }

  /** Forgets idle chats whose windows have passed, so memory stays bounded. */
  function sweep(now: number): void {
    for (const [id, st] of chats) {
      if (active.has(id) || st.blockedUntil > now || st.lastLight + lightInterval > now) continue;
      freeAt(st.uses, ruleFor(id), now);
      if (st.uses.length === 0) chats.delete(id);
    }
  }

  function arm(at: number): void {
    if (at === timerAt && timer) return;
    timer?.();
    timer = undefined;
    timerAt = at;
    // +Infinity: nothing can be granted until a release or a new request re-runs pump().
    if (!Number.isFinite(at)) return;
    const cancel = later(clock, Math.max(0, at - clock.now()), () => {
      if (timer !== cancel) return;
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      pump();
    });
    timer = cancel;
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
      if (closed || opts.signal?.aborted) return Promise.resolve(undefined);
      const s = stateOf(chatId);
      const queue = opts.lane === 'light' ? s.light : s.message;
      return new Promise<Grant | undefined>((resolve) => {
        const waiter: Waiter = { resolve, coalesceKey: opts.coalesceKey, signal: opts.signal, onAbort: undefined };
        if (opts.signal) {
          waiter.onAbort = () => {
            if (remove(s, waiter)) resolve(undefined);
            pump();
          };
          opts.signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        const older = opts.coalesceKey === undefined ? -1 : queue.findIndex((w) => w.coalesceKey === opts.coalesceKey);
        if (older >= 0) {
          const replaced = queue[older]!;
          queue[older] = waiter;
          settle(replaced, undefined);
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
      if (new Set(recent429.map((r) => r.chatId)).size >= 3)
        globalBlockedUntil = Math.max(globalBlockedUntil, now + retryAfterMs);
      pump();
    },
    blockGlobal(untilMs) {
      globalBlockedUntil = Math.max(globalBlockedUntil, untilMs);
      pump();
    },
    globalInUse() {
      freeAt(globalUses, globalRule, clock.now());
      return globalUses.length;
    },
    setGlobalLimit(perSec) {
      globalRule = { limit: Math.max(0, Math.floor(perSec)), window: 1000 + margin };
      pump();
    },
    pending() {
      let n = 0;
      for (const s of active.values()) n += s.message.length + s.light.length;
      return n;
    },
    close() {
      closed = true;
      timer?.();
      timer = undefined;
      for (const s of active.values()) {
        for (const w of [...s.message, ...s.light]) settle(w, undefined);
        s.message.length = 0;
        s.light.length = 0;
      }
      active.clear();
    },
  };
}

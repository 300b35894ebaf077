import { type Cancel, type Clock, later } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatClaim, HeldClaim, SendBudgetStore } from './send-budget-store.ts';

/** Tries of a statement that meets another instance's open transaction (SQLITE_BUSY). */
const BUSY_TRIES = 5;
/** Chats claimed in one statement at most. */
const MAX_BATCH = 200;
/** How often a chat held by another instance's send in flight is asked for again (its release ends the wait). */
const POLL_MS = 250;

interface Waiting {
  key: string;
  resolve(claim: ChatClaim & { id: string }): void;
  reject(err: unknown): void;
}

/** A chat held for one send in flight; give it back with {@link ChatClaims.release}. */
export type HeldChat = HeldClaim;

/** Claims of chats for sends, shared by instances through the `send_budget` table. */
export interface ChatClaims {
  /** Waits until this instance holds the chat for one send; undefined when aborted. Throws if the database fails. */
  hold(key: string, signal?: AbortSignal): Promise<HeldChat | undefined>;
  /** The send is done (or never happened: `gapMs` 0): the chat is free `gapMs` after the database gets this. */
  release(held: HeldChat, gapMs: number): void;
  stop(): void;
}

/**
 * Per-chat budget across instances: a chat is held for a send from before its grant until Telegram answered, then
 * stays taken for the chat's gap, counted from the database's time of the release (after Telegram's answer, so
 * exact however late a process runs). A held chat is renewed while its send waits; a crashed instance's chats come
 * back after `holdMs`. Claims and releases asked for while one statement is on its way go together in the next
 * (one write and one read for any number of chats), so a busy instance does not queue them one by one.
 */
export function createChatClaims(deps: {
  budget: SendBudgetStore;
  clock: Clock;
  log: Logger;
  instance: string;
  holdMs?: number;
}): ChatClaims {
  const { budget, clock } = deps;
  const holdMs = deps.holdMs ?? 10_000;
  let claims: Waiting[] = [];
  let releases: (HeldClaim & { gap: number })[] = [];
  const held = new Map<string, string>();
  let flushing = false;
  let stopped = false;
  let seq = 0;
  let renewal: Cancel | undefined;

  async function withBusyRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        // The fake sqld answers SQLITE_BUSY while another stream's transaction is open (sqld itself waits).
        if (i >= BUSY_TRIES || !String(err).includes('SQLITE_BUSY')) throw err;
        await clock.sleep(5 * i);
      }
    }
  }

  async function flushReleases(): Promise<void> {
    const batch = releases;
    releases = [];
    try {
      await withBusyRetry(() => budget.releaseChats(batch));
    } catch (err) {
      // The chats come back when their hold lapses.
      deps.log.warn({ err: toError(err), chats: batch.length }, 'cannot release chats in the shared send budget');
    }
  }

  async function flushClaims(): Promise<void> {
    const batch: Waiting[] = [];
    const keys = new Set<string>();
    const rest: Waiting[] = [];
    for (const w of claims) {
      if (batch.length < MAX_BATCH && !keys.has(w.key)) {
        keys.add(w.key);
        batch.push(w);
      } else rest.push(w);
    }
    claims = rest;
    const id = `${deps.instance}:${++seq}`;
    try {
      const got = await withBusyRetry(() => budget.claimChats(id, [...keys], holdMs));
      for (const w of batch) w.resolve({ ...(got.get(w.key) ?? { claimed: false, waitMs: 1, inFlight: false }), id });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (releases.length > 0 || claims.length > 0) {
        // Releases first: they free chats the claims may be waiting for.
        if (releases.length > 0) await flushReleases();
        if (claims.length > 0) await flushClaims();
      }
    } finally {
      flushing = false;
    }
  }

  function renew(): void {
    renewal = undefined;
    if (stopped) return;
    if (held.size > 0) {
      const list = [...held].map(([key, claim]) => ({ key, claim }));
      withBusyRetry(() => budget.renewChats(list, holdMs)).catch((err) =>
        deps.log.warn({ err: toError(err) }, 'cannot renew chats in the shared send budget'),
      );
    }
    renewal = later(clock, holdMs / 4, renew, { unref: true });
  }

  function ask(key: string): Promise<ChatClaim & { id: string }> {
    return new Promise((resolve, reject) => {
      claims.push({ key, resolve, reject });
      void flush();
    });
  }

  renew();
  return {
    async hold(key, signal) {
      for (;;) {
        if (signal?.aborted) return undefined;
        const c = await ask(key);
        if (c.claimed) {
          held.set(key, c.id);
          return { key, claim: c.id };
        }
        try {
          await clock.sleep(c.inFlight ? Math.min(c.waitMs, POLL_MS) : c.waitMs, signal);
        } catch {
          return undefined;
        }
      }
    },
    release(h, gapMs) {
      if (held.get(h.key) === h.claim) held.delete(h.key);
      if (stopped) return;
      releases.push({ ...h, gap: gapMs });
      void flush();
    },
    stop() {
      stopped = true;
      renewal?.();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { type HeldChat, createChatClaims } from './chat-claims.ts';
import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import { type Grant, type RateLimiter, type RateLimiterOptions, createRateLimiter } from './rate-limiter.ts';
import { createSendBudgetStore } from './send-budget-store.ts';
import { type SendSharesOptions, createSendShares } from './send-shares.ts';

/** Telegram's per-chat limits as the shortest gap between two messages, plus the global share tuning. */
export interface SendBudgetOptions extends SendSharesOptions {
  /** Messages per second in one private chat (Telegram: about 1). */
  privatePerSec?: number;
  /** Messages per minute in one group (Telegram: 20). */
  groupPerMin?: number;
  /** Added to the per-chat gaps (default 50 ms; the gap runs from after Telegram's answer already). */
  chatMarginMs?: number;
}

/**
 * The limiter for this process: on a local file (one instance) the in-process limiter alone, at no cost. On a remote
 * database (several instances may share it) the global budget is split into tokens held through the database and
 * every message also claims its chat there (see {@link withSharedSendBudget}).
 */
export function sendLimiterFor(
  local: RateLimiterOptions,
  deps: { store: Store; clock: Clock; log: Logger },
): RateLimiter {
  if (deps.store.kind !== 'remote') return createRateLimiter(local);
  return withSharedSendBudget(createRateLimiter(local), {
    ...deps,
    options: { total: local.globalPerSec, privatePerSec: local.privatePerSec, groupPerMin: local.groupPerMin },
  });
}

/**
 * Wraps the in-process limiter so several instances on one remote database share Telegram's budget:
 * - globally, this process's limiter enforces exactly the tokens it holds in the database (`send-shares.ts`);
 * - per chat, a message holds its chat in the database before its local grant, until Telegram answered, and the
 *   chat stays taken for its gap after that (`chat-claims.ts`); a chat held elsewhere is waited for.
 * Light requests (chat actions, drafts) are not in the message budget and pass straight through. If the database
 * can't be reached the message goes out under the local limits alone (a possible 429 is retried; a lost reply is
 * worse).
 */
export function withSharedSendBudget(
  local: RateLimiter,
  deps: { store: Store; clock: Clock; log: Logger; options?: SendBudgetOptions },
): RateLimiter {
  const o = deps.options ?? {};
  const budget = createSendBudgetStore(deps.store);
  const instance = randomUUID();
  const shares = createSendShares({ budget, instance, limiter: local, clock: deps.clock, log: deps.log, options: o });
  const chats = createChatClaims({ budget, clock: deps.clock, log: deps.log, instance });
  const margin = o.chatMarginMs ?? 50;
  const privateGap = 1000 / (o.privatePerSec ?? 1) + margin;
  const groupGap = 60_000 / (o.groupPerMin ?? 20) + margin;
  let warned = false;
  shares.start();

  function heldGrant(grant: Grant, chat: HeldChat, gapMs: number): Grant {
    return {
      release() {
        grant.release();
        chats.release(chat, gapMs);
      },
      cancel() {
        grant.cancel();
        chats.release(chat, 0);
      },
    };
  }

  return {
    ...local,
    async acquire(chatId, options = {}) {
      if (options.lane === 'light') return local.acquire(chatId, options);
      let chat: HeldChat | undefined;
      try {
        chat = await chats.hold(`chat:${chatId}`, options.signal);
        if (!chat) return undefined;
      } catch (err) {
        if (!warned) deps.log.warn({ err: toError(err) }, 'shared chat budget unavailable; using local limits');
        warned = true;
      }
      const pending = local.acquire(chatId, options);
      shares.poke();
      const grant = await pending;
      if (!chat) return grant;
      if (!grant) {
        chats.release(chat, 0);
        return undefined;
      }
      return heldGrant(grant, chat, chatId < 0 ? groupGap : privateGap);
    },
    close() {
      shares.stop();
      chats.stop();
      local.close();
    },
  };
}

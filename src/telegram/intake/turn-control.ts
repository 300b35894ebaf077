import type { Update } from 'grammy/types';
import { displayName } from '../chat-ref.ts';

/** Why a running turn was aborted. `shutdown` leaves the update unfinished so it resumes on the next start. */
export class TurnAbort extends Error {
  readonly kind: 'user' | 'shutdown';
  constructor(kind: 'user' | 'shutdown') {
    super(kind === 'user' ? 'Stopped by the user' : 'The bot is shutting down');
    this.name = 'TurnAbort';
    this.kind = kind;
  }
}

/** True when `reason` (an AbortSignal's reason) means the process is stopping, not the user. */
export function isShutdownAbort(reason: unknown): boolean {
  return reason instanceof TurnAbort && reason.kind === 'shutdown';
}

/** Who started a running turn: only they (or the owner) may stop it. */
export interface TurnStarter {
  userId: number;
  /** Display name for "Only <name> or the owner can stop this." */
  name: string;
}

/** Who asks to stop: their id and whether they own the bot. */
export interface StopRequester {
  userId: number;
  isOwner: boolean;
}

/** What a stop request did. `forbidden` names the starter of a turn the requester may not stop. */
export type StopResult = { kind: 'stopped' } | { kind: 'not_running' } | { kind: 'forbidden'; starter: string };

/** The sender of an update (message author or button presser), as a turn starter. */
export function starterOf(update: Update): TurnStarter | undefined {
  const from = update.message?.from ?? update.edited_message?.from ?? update.callback_query?.from;
  return from ? { userId: from.id, name: displayName(from) } : undefined;
}

/** Registry of running updates and their AbortControllers, shared by the dispatcher, /stop and the chat feature. */
export interface TurnControl {
  /** Registers a running update (and who started it); returns its controller. */
  begin(updateId: number, chatKey: string, starter?: TurnStarter): AbortController;
  /**
   * Marks a running update as a reply in progress (a model turn, including the download of its media). Only these
   * are what `/stop` and the Stop button stop: a command or a button press being handled is not "a reply".
   */
  markTurn(updateId: number): void;
  end(updateId: number): void;
  /** The signal of a running update (undefined if it is not running). */
  signalFor(updateId: number): AbortSignal | undefined;
  /** Update ids currently running in a chat lane. */
  runningIn(chatKey: string): number[];
  /**
   * Aborts one running reply on behalf of `by`: allowed for the user who started it and for the owner
   * (a turn with no known starter only for the owner).
   */
  stop(updateId: number, by: StopRequester): StopResult;
  /**
   * Aborts the running replies in a chat that `by` may stop (their own; every one for the owner). `stopped` counts
   * them; `forbidden` names the starter of a running turn `by` may not stop, if any. `except` (the /stop update
   * itself, which runs in the same chat) is left alone.
   */
  stopChat(chatKey: string, by: StopRequester, except?: number): { stopped: number; forbidden?: string };
  /** Aborts everything (shutdown). */
  abortAll(): number;
}

export function createTurnControl(): TurnControl {
  const running = new Map<
    number,
    { chatKey: string; controller: AbortController; starter?: TurnStarter; turn?: boolean }
  >();
  const mayStop = (starter: TurnStarter | undefined, by: StopRequester) => by.isOwner || starter?.userId === by.userId;
  const abort = (controller: AbortController) => controller.abort(new TurnAbort('user'));
  return {
    begin(updateId, chatKey, starter) {
      const controller = new AbortController();
      running.set(updateId, { chatKey, controller, ...(starter ? { starter } : {}) });
      return controller;
    },
    markTurn(updateId) {
      const r = running.get(updateId);
      if (r) r.turn = true;
    },
    end(updateId) {
      running.delete(updateId);
    },
    signalFor(updateId) {
      return running.get(updateId)?.controller.signal;
    },
    runningIn(chatKey) {
      return [...running].filter(([, r]) => r.chatKey === chatKey).map(([id]) => id);
    },
    stop(updateId, by) {
      const r = running.get(updateId);
      if (!r?.turn || r.controller.signal.aborted) return { kind: 'not_running' };
      if (!mayStop(r.starter, by)) return { kind: 'forbidden', starter: r.starter?.name ?? 'the person who asked' };
      abort(r.controller);
      return { kind: 'stopped' };
    },
    stopChat(chatKey, by, except) {
      let stopped = 0;
      let forbidden: string | undefined;
      for (const [id, r] of running) {
        if (id === except || !r.turn || r.chatKey !== chatKey || r.controller.signal.aborted) continue;
        if (!mayStop(r.starter, by)) {
          forbidden ??= r.starter?.name ?? 'the person who asked';
          continue;
        }
        abort(r.controller);
        stopped++;
      }
      return { stopped, ...(forbidden !== undefined ? { forbidden } : {}) };
    },
    abortAll() {
      let n = 0;
      for (const r of running.values()) {
        if (r.controller.signal.aborted) continue;
        r.controller.abort(new TurnAbort('shutdown'));
        n++;
      }
      return n;
    },
  };
}

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

/** Registry of running updates and their AbortControllers, shared by the dispatcher, /stop and the chat feature. */
export interface TurnControl {
  /** Registers a running update; returns its controller. */
  begin(updateId: number, chatKey: string): AbortController;
  end(updateId: number): void;
  /** The signal of a running update (undefined if it is not running). */
  signalFor(updateId: number): AbortSignal | undefined;
  /** Update ids currently running in a chat lane. */
  runningIn(chatKey: string): number[];
  /** Aborts one running update on the user's behalf. Returns false if it was not running. */
  stop(updateId: number): boolean;
  /** Aborts every running update in a chat on the user's behalf. Returns how many. */
  stopChat(chatKey: string): number;
  /** Aborts everything (shutdown). */
  abortAll(): number;
}

export function createTurnControl(): TurnControl {
  const running = new Map<number, { chatKey: string; controller: AbortController }>();
  return {
    begin(updateId, chatKey) {
      const controller = new AbortController();
      running.set(updateId, { chatKey, controller });
      return controller;
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
    stop(updateId) {
      const r = running.get(updateId);
      if (!r || r.controller.signal.aborted) return false;
      r.controller.abort(new TurnAbort('user'));
      return true;
    },
    stopChat(chatKey) {
      let n = 0;
      for (const [id, r] of running) if (r.chatKey === chatKey && this.stop(id)) n++;
      return n;
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

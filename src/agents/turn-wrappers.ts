import type { ResumableTurnRunner } from '../core/turn.ts';

/** A decorator of every turn (e.g. the schedule cards a turn's answer shows). */
export type TurnWrapper = (runner: ResumableTurnRunner) => ResumableTurnRunner;

/** The one turn runner every path holds (chat, approvals, scheduled runs), with wrappers added while wiring. */
export interface WrappableTurnRunner extends ResumableTurnRunner {
  /** Adds a wrapper around every turn that starts afterwards; the last added is outermost. */
  wrap(wrapper: TurnWrapper): void;
}

/** Makes `base` wrappable: modules built after the runner (they need it) can still wrap the turns it runs. */
export function createWrappableTurnRunner(base: ResumableTurnRunner): WrappableTurnRunner {
  let current = base;
  return {
    wrap(wrapper) {
      current = wrapper(current);
    },
    run: (request, onEvent) => current.run(request, onEvent),
    resume: (request, suspension, resolutions, onEvent) => current.resume(request, suspension, resolutions, onEvent),
  };
}

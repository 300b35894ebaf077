import type { RoutineRef, RoutineResolution, RoutineResult, RoutineRunner, RoutineTarget } from './core/routines.ts';
import type { TurnRequest } from './core/turn.ts';

/**
 * The one RoutineRunner the scheduler (and buttons) use: it sends each target to the runner of its kind (skills,
 * workflows) and resolves a name by what the ref names (`ref.skill` or `ref.workflow`). A kind that is not wired
 * resolves to a clear refusal.
 */
export function createRoutines(parts: { skills: RoutineRunner; workflows?: RoutineRunner }): RoutineRunner {
  const runnerOf = (type: RoutineTarget['type']): RoutineRunner | undefined =>
    type === 'skill' ? parts.skills : parts.workflows;
  return {
    async resolve(ref: RoutineRef): Promise<RoutineResolution> {
      if (ref.skill !== undefined && ref.workflow !== undefined)
        return { ok: false, reason: 'Name either a skill or a workflow, not both.' };
      if (ref.skill !== undefined) return parts.skills.resolve(ref);
      if (ref.workflow !== undefined) {
        if (!parts.workflows) return { ok: false, reason: 'Workflows are not available on this bot.' };
        return parts.workflows.resolve(ref);
      }
      return { ok: false, reason: 'Name a skill or a workflow to run.' };
    },
    async run(target: RoutineTarget, request: TurnRequest): Promise<RoutineResult> {
      const runner = runnerOf(target.type);
      if (!runner) throw new Error(`no runner for ${target.type} routines is wired`);
      return runner.run(target, request);
    },
  };
}

/** A runner built later in createApp (workflows need every tool registered), looked up at each call. */
export function lateRunner(get: () => RoutineRunner): RoutineRunner {
  return { resolve: (ref) => get().resolve(ref), run: (target, request) => get().run(target, request) };
}

/** Starts and stops background parts together: started in order, stopped side by side. */
export function joinLifecycles(...parts: { start(): void; stop(): Promise<void> }[]) {
  return {
    start: () => {
      for (const part of parts) part.start();
    },
    stop: async () => {
      await Promise.all(parts.map((part) => part.stop()));
    },
  };
}

import { AppError } from '../core/errors.ts';
import type { RunEvent } from './run-store.ts';
import type { ScopeValue } from './template.ts';

/** What a run's log says about its steps. */
export interface Replayed {
  /** Completed steps' outputs, by step key: never run again. */
  completed: Map<string, ScopeValue>;
  /** Steps started and not completed, failed or interrupted: cut off by a crash. */
  cutOff: Set<string>;
  /** How many times each step was started. */
  attempts: Map<string, number>;
  lastSeq: number;
}

/**
 * Folds a run's events into step states. Throws when the sequence has a gap or a duplicate (1..N, in order): a log
 * with a hole cannot be trusted to say which steps ran.
 */
export function replay(events: readonly RunEvent[]): Replayed {
  const completed = new Map<string, ScopeValue>();
  const open = new Set<string>();
  const attempts = new Map<string, number>();
  for (const [i, e] of events.entries()) {
    if (e.seq !== i + 1)
      throw new AppError('internal', `workflow event log has a gap: expected ${i + 1}, found ${e.seq}`);
    const step = e.step;
    if (!step) continue;
    if (e.type === 'step_started') {
      open.add(step);
      attempts.set(step, (attempts.get(step) ?? 0) + 1);
    } else if (e.type === 'step_completed') {
      open.delete(step);
      const data = (e.data ?? {}) as { value?: unknown; untrusted?: string };
      completed.set(step, { value: data.value, ...(data.untrusted ? { untrusted: data.untrusted } : {}) });
    } else if (e.type === 'step_failed' || e.type === 'step_interrupted') open.delete(step);
  }
  return { completed, cutOff: open, attempts, lastSeq: events.length };
}

/** Sequence numbers missing from 1..max (for checks and the bench). */
export function gapsIn(seqs: readonly number[]): number[] {
  const have = new Set(seqs);
  const max = Math.max(0, ...seqs);
  const gaps: number[] = [];
  for (let s = 1; s <= max; s++) if (!have.has(s)) gaps.push(s);
  return gaps;
}

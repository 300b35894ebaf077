import type { Suspension } from '../../src/core/turn.ts';
import { USER, buttonData, createWorld } from '../../test/approvals/harness.ts';
import { type BenchRow, median, percentile } from './row.ts';

/**
 * Approvals: time from a button press until the callback query is answered (decision recorded), time to persist
 * a suspension and send its prompt, and a sweep over many due approvals. Real grammY, outbox, libSQL file and fake Bot API.
 */
export async function run(): Promise<BenchRow[]> {
  const world = await createWorld();
  try {
    const app = await world.newInstance();
    const N = 40;
    const suspendMs: number[] = [];
    const clickMs: number[] = [];
    for (let i = 0; i < N; i++) {
      // Two pending calls per run; deciding one keeps the run waiting, so only the decision path is timed.
      const suspension: Suspension = {
        snapshot: { bench: i },
        pending: [
          {
            callId: `a${i}`,
            agent: 'planner',
            tool: 'note_delete',
            args: { id: `x${i}` },
            kind: 'approval',
            payload: {},
          },
          {
            callId: `b${i}`,
            agent: 'planner',
            tool: 'note_delete',
            args: { id: `y${i}` },
            kind: 'approval',
            payload: {},
          },
        ],
      };
      let t = performance.now();
      await app.approvals.onSuspended(world.request({ turnId: `bench:${i}` }), suspension);
      suspendMs.push((performance.now() - t) / 2);
      const prompt = world.prompts(USER).at(-2)!;
      t = performance.now();
      await app.press(USER, prompt.messageId, buttonData(prompt)[0]!);
      clickMs.push(performance.now() - t);
    }
    await app.approvals.idle();

    // Every remaining call is due now: one sweep expires them, edits the prompts and resumes the runs.
    await world.clock.advance(11 * 60_000);
    const t = performance.now();
    const report = await app.approvals.sweep();
    await app.approvals.idle();
    const sweepMs = performance.now() - t;

    const p95 = percentile(clickMs, 95);
    return [
      { area: 'approvals', name: 'button press → callback answered (p50)', value: median(clickMs), unit: 'ms' },
      {
        area: 'approvals',
        name: 'button press → callback answered (p95)',
        value: p95,
        unit: 'ms',
        target: '< 500 ms',
        pass: p95 < 500,
      },
      { area: 'approvals', name: 'persist + send one prompt (p50)', value: median(suspendMs), unit: 'ms' },
      {
        area: 'approvals',
        name: `sweep: expire ${report.expired} approvals, edit prompts, resume ${N} runs`,
        value: sweepMs,
        unit: 'ms',
        target: '< 15000 ms (one sweep interval)',
        pass: sweepMs < 15_000 && report.expired === N,
      },
    ];
  } finally {
    await world.close();
  }
}

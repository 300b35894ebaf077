import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { type Telemetry, noTelemetry, telemetry, toolSpanAttrs, withTelemetry } from '../../src/core/telemetry.ts';
import { createObservability } from '../../src/observability/observability.ts';
import { type BenchRow, median } from './row.ts';

/**
 * What observability adds to a plain turn: the instrumentation a plain chat turn goes through (a `telegram.update`
 * span, a `turn` span, one model call with its GenAI attributes and metrics, two DB transactions, one tool call
 * looked up through `telemetry()`, one Telegram send, the turn counter and histogram), around work that takes no
 * time, so the figure is the instrumentation alone. Compared with the same awaits and no telemetry at all; tracing
 * off (metrics only, the default) and on (an in-memory exporter, span by span). Alternating batches, medians.
 */
const BATCH = 2000;
const ROUNDS = 15;

async function plainTurn(t: Telemetry, metrics?: ReturnType<typeof createObservability>['metrics']): Promise<void> {
  const nothing = async () => undefined;
  await t.span('telegram.update', { 'telegram.update_id': 1 }, () =>
    t.span('turn', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'router' }, async (turn) => {
      await t.span('db.transaction', { 'db.system.name': 'sqlite' }, nothing);
      await t.span('chat gemini-2.5-flash-lite', { 'gen_ai.request.model': 'gemini-2.5-flash-lite' }, async (s) => {
        s.set({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20 });
        metrics?.modelCall('gemini-2.5-flash-lite', 'router', 100, 20);
      });
      await telemetry().span('execute_tool clock', toolSpanAttrs('router', 'clock', 'c1'), nothing);
      await t.span('db.transaction', { 'db.system.name': 'sqlite' }, nothing);
      turn.set({ 'turn.status': 'done' });
    }),
  );
  await t.span('telegram.send', { 'telegram.method': 'sendMessage' }, nothing);
  metrics?.turn('done', 0.5);
}

async function perTurnMicros(run: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) await run();
  return Number(process.hrtime.bigint() - t0) / 1000 / BATCH;
}

export async function run(): Promise<BenchRow[]> {
  const env = {};
  const off = createObservability({ env, version: 'bench', now: () => 0 });
  const exporter = new InMemorySpanExporter();
  const on = createObservability({ env, version: 'bench', now: () => 0, spanExporter: exporter });
  await on.ready;
  const variants = {
    none: () => plainTurn(noTelemetry),
    off: () => withTelemetry(off.telemetry, () => plainTurn(off.telemetry, off.metrics)),
    on: () => withTelemetry(on.telemetry, () => plainTurn(on.telemetry, on.metrics)),
  };
  const samples: Record<keyof typeof variants, number[]> = { none: [], off: [], on: [] };
  for (const v of Object.values(variants)) await perTurnMicros(v); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, v] of Object.entries(variants) as [keyof typeof variants, () => Promise<void>][]) {
      samples[name].push(await perTurnMicros(v));
      exporter.reset();
    }
  }
  await on.shutdown();
  const none = median(samples.none);
  const offCost = Math.max(0, median(samples.off) - none);
  const onCost = Math.max(0, median(samples.on) - none);
  const area = 'Observability';
  return [
    {
      area,
      name: 'telemetry cost per plain turn, tracing off (metrics only, the default)',
      value: offCost,
      unit: 'µs',
      target: '≤ 20 µs',
      pass: offCost <= 20,
      note: `instrumentation alone (7 span calls + metrics) over the same awaits without telemetry (${none.toFixed(1)} µs)`,
    },
    {
      area,
      name: 'telemetry cost per plain turn, tracing on (in-memory exporter)',
      value: onCost,
      unit: 'µs',
      target: '≤ 1 ms (0.1 % of a 1 s turn)',
      pass: onCost <= 1000,
      note: '7 spans exported one by one (SimpleSpanProcessor); production batches them (BatchSpanProcessor)',
    },
  ];
}

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CounterName, HistogramName, MetricLabels } from '../core/telemetry.ts';

/** Values read when /metrics is scraped (gauges), provided by the composition root. */
export interface GaugeSources {
  /** Updates queued or running, in total and per chat (chat key → depth). */
  queue?: () => { total: number; perChat: ReadonlyMap<string, number> };
  pendingApprovals?: () => Promise<number>;
  /** The database's size in bytes; undefined when unknown (e.g. a remote database). */
  dbSizeBytes?: () => Promise<number | undefined>;
}

const PREFIX = 'assistant_';

/** The Prometheus series of issue 18 on a registry of our own (no global default registry). */
export function createMetrics(sources: GaugeSources = {}) {
  const registry = new Registry();
  const registers = [registry];
  const turns = new Counter({
    name: `${PREFIX}turns_total`,
    help: 'Turns run, by outcome',
    labelNames: ['status'],
    registers,
  });
  const turnSeconds = new Histogram({
    name: `${PREFIX}turn_duration_seconds`,
    help: 'Turn latency, by outcome',
    labelNames: ['status'],
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
    registers,
  });
  const modelCalls = new Counter({
    name: `${PREFIX}model_calls_total`,
    help: 'Model calls, by model and agent',
    labelNames: ['model', 'agent'],
    registers,
  });
  const tokens = new Counter({
    name: `${PREFIX}model_tokens_total`,
    help: 'Model tokens, by model, agent and direction (input, output)',
    labelNames: ['model', 'agent', 'type'],
    registers,
  });
  const rateLimited = new Counter({
    name: `${PREFIX}rate_limited_total`,
    help: 'Answers 429 (rate limited), by service (telegram, gemini)',
    labelNames: ['service'],
    registers,
  });
  const retries = new Counter({
    name: `${PREFIX}retries_total`,
    help: 'Retried calls, by service (telegram, gemini)',
    labelNames: ['service'],
    registers,
  });
  const lateness = new Histogram({
    name: `${PREFIX}job_lateness_seconds`,
    help: 'How late scheduled jobs fired after their due time',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Updates queued or running, in total',
    registers,
    collect() {
      this.set(sources.queue?.().total ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}chat_queue_depth`,
    help: 'Updates queued or running, per chat',
    labelNames: ['chat'],
    registers,
    collect() {
      this.reset();
      for (const [chat, depth] of sources.queue?.().perChat ?? []) this.set({ chat }, depth);
    },
  });
  new Gauge({
    name: `${PREFIX}pending_approvals`,
    help: 'Approvals and questions waiting for a person',
    registers,
    async collect() {
      this.set((await sources.pendingApprovals?.()) ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}db_size_bytes`,
    help: 'Size of the database in bytes (local files; 0 when unknown)',
    registers,
    async collect() {
      this.set((await sources.dbSizeBytes?.()) ?? 0);
    },
  });

  const counters: Record<CounterName, (labels: MetricLabels | undefined, by: number) => void> = {
    telegram_429: (_l, by) => rateLimited.inc({ service: 'telegram' }, by),
    gemini_429: (_l, by) => rateLimited.inc({ service: 'gemini' }, by),
    telegram_retries: (_l, by) => retries.inc({ service: 'telegram' }, by),
    gemini_retries: (_l, by) => retries.inc({ service: 'gemini' }, by),
  };
  const histograms: Record<HistogramName, (value: number) => void> = {
    job_lateness_seconds: (v) => lateness.observe(v),
  };
  // Every label set that always exists is shown from the start (a scrape before the first 429 still lists it).
  for (const service of ['telegram', 'gemini']) {
    rateLimited.inc({ service }, 0);
    retries.inc({ service }, 0);
  }

  return {
    registry,
    /** A finished turn. */
    turn(status: string, seconds: number): void {
      turns.inc({ status });
      turnSeconds.observe({ status }, seconds);
    },
    /** A finished model call with its token counts. */
    modelCall(model: string, agent: string, inputTokens: number, outputTokens: number): void {
      modelCalls.inc({ model, agent });
      tokens.inc({ model, agent, type: 'input' }, inputTokens);
      tokens.inc({ model, agent, type: 'output' }, outputTokens);
    },
    count(name: CounterName, labels: MetricLabels | undefined, by: number): void {
      counters[name](labels, by);
    },
    observe(name: HistogramName, value: number): void {
      histograms[name](value);
    },
    /** The text exposition of every series. */
    text: (): Promise<string> => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** The metrics of one app. */
export type Metrics = ReturnType<typeof createMetrics>;

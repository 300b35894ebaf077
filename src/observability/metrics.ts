import type { Registry as PromRegistry } from 'prom-client';
import type { CounterName, HistogramName, MetricLabels } from '../core/telemetry.ts';

/** Values read when /metrics is scraped (gauges), provided by the composition root. */
export interface GaugeSources {
  /** Updates queued or running, in total and per chat (chat key → depth; chats with an empty queue left out). */
  queue?: () => { total: number; perChat: ReadonlyMap<string, number> };
  pendingApprovals?: () => Promise<number>;
  /** The database's size in bytes; undefined when unknown (e.g. a remote database). */
  dbSizeBytes?: () => Promise<number | undefined>;
}

const PREFIX = 'assistant_';

/**
 * At most this many `assistant_chat_queue_depth{chat}` series per scrape: the chats with the deepest queues (ties:
 * the lower key). Chats with an empty queue have no series, so an idle bot exposes none and 500 busy chats still
 * make 20; `assistant_queue_chats` says how many chats had a queue, `assistant_queue_depth` the total.
 */
export const CHAT_QUEUE_SERIES = 20;

/** The `limit` deepest non-empty queues, deepest first. */
export function deepestQueues(perChat: ReadonlyMap<string, number>, limit = CHAT_QUEUE_SERIES): [string, number][] {
  return [...perChat]
    .filter(([, depth]) => depth > 0)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, limit);
}

type PromClient = typeof import('prom-client');

/** The gauges, read from `sources` at each scrape. */
function registerGauges(Gauge: PromClient['Gauge'], registers: PromRegistry[], sources: GaugeSources): void {
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Updates queued or running, in total',
    registers,
    collect() {
      this.set(sources.queue?.().total ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}queue_chats`,
    help: 'Chats with updates queued or running',
    registers,
    collect() {
      this.set(deepestQueues(sources.queue?.().perChat ?? new Map(), Number.POSITIVE_INFINITY).length);
    },
  });
  new Gauge({
    name: `${PREFIX}chat_queue_depth`,
    help: `Updates queued or running per chat, for the ${CHAT_QUEUE_SERIES} chats with the deepest queues`,
    labelNames: ['chat'],
    registers,
    collect() {
      this.reset();
      for (const [chat, depth] of deepestQueues(sources.queue?.().perChat ?? new Map())) this.set({ chat }, depth);
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
}

/** The series of issue 18 on a registry of our own (no global default registry). */
function buildRegistry(prom: PromClient, sources: GaugeSources) {
  const { Counter, Gauge, Histogram, Registry } = prom;
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
  const byService = (name: string, help: string) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help: `${help}, by service (telegram, gemini)`,
      labelNames: ['service'],
      registers,
    });
  const rateLimited = byService('rate_limited_total', 'Answers 429 (rate limited)');
  const retries = byService('retries_total', 'Retried calls');
  const lateness = new Histogram({
    name: `${PREFIX}job_lateness_seconds`,
    help: 'How late scheduled jobs fired after their due time',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });
  registerGauges(Gauge, registers, sources);

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
    turn(status: string, seconds: number): void {
      turns.inc({ status });
      turnSeconds.observe({ status }, seconds);
    },
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
  };
}

type Built = ReturnType<typeof buildRegistry>;

/**
 * The Prometheus series of issue 18. prom-client (~10 MB of a process's memory) is loaded on first use, not at
 * start: the first recorded event or the first scrape loads it; events recorded while it loads are applied once it
 * is there (a load takes well under a second, so that queue stays short). An idle bot that is never scraped never
 * loads it.
 */
export function createMetrics(sources: GaugeSources = {}) {
  let built: Built | undefined;
  let loading: Promise<Built> | undefined;
  let failed = false;
  const waiting: ((b: Built) => void)[] = [];
  const load = (): Promise<Built> => {
    loading ??= import('prom-client').then(
      (prom) => {
        built = buildRegistry(prom, sources);
        for (const apply of waiting.splice(0)) apply(built);
        return built;
      },
      (err: unknown) => {
        // A broken install: events are dropped from now on (not queued forever); each scrape reports the error.
        failed = true;
        waiting.length = 0;
        throw err;
      },
    );
    return loading;
  };
  const record = (apply: (b: Built) => void): void => {
    if (built) apply(built);
    else if (!failed) {
      waiting.push(apply);
      // Recording must never turn a turn into an error.
      load().catch(() => undefined);
    }
  };

  return {
    /** A finished turn. */
    turn: (status: string, seconds: number): void => record((b) => b.turn(status, seconds)),
    /** A finished model call with its token counts. */
    modelCall: (model: string, agent: string, inputTokens: number, outputTokens: number): void =>
      record((b) => b.modelCall(model, agent, inputTokens, outputTokens)),
    count: (name: CounterName, labels: MetricLabels | undefined, by: number): void =>
      record((b) => b.count(name, labels, by)),
    observe: (name: HistogramName, value: number): void => record((b) => b.observe(name, value)),
    /** The text exposition of every series, with its content type. */
    async exposition(): Promise<{ contentType: string; body: string }> {
      const { registry } = await load();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    /** Whether prom-client has been loaded (for the start-up memory test). */
    loaded: (): boolean => built !== undefined,
  };
}

/** The metrics of one app. */
export type Metrics = ReturnType<typeof createMetrics>;

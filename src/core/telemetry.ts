import { AsyncLocalStorage } from 'node:async_hooks';

/** Span attribute values: never message text or secrets, only ids, names, counts and codes. */
export type SpanAttrs = Record<string, string | number | boolean | string[] | undefined>;

/** Metric labels (small, bounded sets of values: model, agent, status, …). */
export type MetricLabels = Record<string, string>;

/** The open span a traced function may annotate (e.g. token counts once a model call returns). */
export interface SpanHandle {
  set(attrs: SpanAttrs): void;
}

/** Counters the app increments (see src/observability/metrics.ts for their Prometheus names and labels). */
export type CounterName = 'telegram_429' | 'telegram_retries' | 'gemini_429' | 'gemini_retries';

/** Histograms the app observes. */
export type HistogramName = 'job_lateness_seconds';

/**
 * The telemetry port: traces and metrics without a vendor import. Modules call `telemetry()` (the one of the
 * current turn or app, carried across awaits) and get a no-op when observability is off.
 */
export interface Telemetry {
  /** Runs `fn` in a child span of the current one; errors are recorded and rethrown. */
  span<T>(name: string, attrs: SpanAttrs, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  count(name: CounterName, labels?: MetricLabels, by?: number): void;
  observe(name: HistogramName, value: number, labels?: MetricLabels): void;
  /** Notes an error code (for /status "last errors"). */
  error(code: string): void;
}

const noSpan: SpanHandle = { set: () => undefined };

/** Telemetry that does nothing: the default when observability is off. */
export const noTelemetry: Telemetry = {
  span: (_name, _attrs, fn) => fn(noSpan),
  count: () => undefined,
  observe: () => undefined,
  error: () => undefined,
};

// Carries the app's telemetry through async work (not a singleton: each app runs its own work inside `withTelemetry`,
// so several apps in one process, as in tests, keep theirs apart).
const ambient = new AsyncLocalStorage<Telemetry>();

/** Runs `fn` (and everything it starts) with `t` as the current telemetry. */
export function withTelemetry<T>(t: Telemetry, fn: () => T): T {
  return ambient.run(t, fn);
}

/** The current telemetry: the app's when called from its work, else a no-op. */
export function telemetry(): Telemetry {
  return ambient.getStore() ?? noTelemetry;
}

/** GenAI semantic-convention attributes of a tool call (the calling agent, the tool, the call id; never arguments). */
export function toolSpanAttrs(agent: string, tool: string, callId: string): SpanAttrs {
  return {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.agent.name': agent,
    'gen_ai.tool.name': tool,
    'gen_ai.tool.call.id': callId,
  };
}

import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { HttpRoute } from '../core/http-route.ts';
import { noTelemetry, type Telemetry } from '../core/telemetry.ts';
import { createErrorRing } from './error-ring.ts';
import { metricsAccess } from './metrics-access.ts';
import { type GaugeSources, createMetrics } from './metrics.ts';
import type { Tracing, TracingEnv } from './tracing.ts';
import { otlpTracesUrl, tracingEnabled } from './tracing-env.ts';

/** Test hooks: an in-memory span exporter turns tracing on. */
export interface ObservabilityTestOptions {
  spanExporter?: SpanExporter;
}

/** What observability needs. */
export interface ObservabilityOptions {
  env: TracingEnv & { METRICS_TOKEN?: string };
  version: string;
  now: () => number;
  /** Tests: spans go here (traces on regardless of the OTEL_* variables). */
  spanExporter?: SpanExporter;
  sources?: GaugeSources;
}

/**
 * Metrics (always, served at /metrics), traces (when configured), and the error ring: the app's `Telemetry`, the
 * `/metrics` route, and what the turn and model-call decorators record.
 */
export function createObservability(options: ObservabilityOptions) {
  const { env, now } = options;
  const metrics = createMetrics(options.sources);
  const errors = createErrorRing();
  const traced = Boolean(options.spanExporter) || tracingEnabled(env);
  let tracing: Tracing | undefined;
  // The OpenTelemetry SDK and OTLP exporter are loaded only when traces are on (they cost ~0.5 s and ~20 MB to load).
  const ready: Promise<void> = traced
    ? import('./tracing.ts').then((m) => {
        tracing = m.createTracing({
          serviceName: env.OTEL_SERVICE_NAME || 'telegram-assistant',
          version: options.version,
          ...(options.spanExporter ? { exporter: options.spanExporter } : {}),
          ...(otlpTracesUrl(env) ? { url: otlpTracesUrl(env) } : {}),
        });
      })
    : Promise.resolve();

  const telemetry: Telemetry = {
    span: (name, attrs, fn) => (tracing ? tracing.span(name, attrs, fn) : noTelemetry.span(name, attrs, fn)),
    count: (name, labels, by = 1) => metrics.count(name, labels, by),
    observe: (name, value) => metrics.observe(name, value),
    error: (code) => errors.add(code, now()),
  };

  const route: HttpRoute = {
    path: '/metrics',
    async handle(req) {
      const text = (s: number, body: string) => ({ status: s, contentType: 'text/plain; charset=utf-8', body });
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'use GET\n');
      const access = metricsAccess(req, env.METRICS_TOKEN);
      if (!access.ok) return text(access.status, `${access.reason}\n`);
      try {
        const { contentType, body } = await metrics.exposition();
        return { status: 200, contentType, body };
      } catch {
        return text(500, 'metrics are unavailable: prom-client could not be loaded (reinstall the dependencies)\n');
      }
    },
  };

  return {
    telemetry,
    metrics,
    errors,
    route,
    /** Whether traces are on (the SDK may still be loading: see `ready`). */
    tracing: traced,
    /** Resolves once the tracing SDK is loaded (at once when traces are off). */
    ready,
    shutdown: async () => {
      await ready.catch(() => undefined);
      // A collector that is down must not fail the shutdown: the spans still buffered are lost, nothing else.
      await tracing?.shutdown().catch(() => undefined);
    },
  };
}

/** The observability of one app. */
export type Observability = ReturnType<typeof createObservability>;

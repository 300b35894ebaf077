import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanAttrs, SpanHandle } from '../core/telemetry.ts';

export type { TracingEnv } from './tracing-env.ts';

/** A tracer whose current span follows the async work that opened it. */
export interface Tracing {
  span<T>(name: string, attrs: SpanAttrs, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

function clean(attrs: SpanAttrs): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Traces to `exporter` (tests: an in-memory one, sent span by span) or, without one, to the OTLP HTTP exporter
 * configured by the standard OTEL_EXPORTER_OTLP_* variables (batched). The parent of each span is carried by an
 * AsyncLocalStorage of ours instead of the API's global context manager, so several apps in one process (tests)
 * never share a context and nothing global is registered.
 */
export function createTracing(options: {
  serviceName: string;
  version: string;
  exporter?: SpanExporter;
  /** The OTLP/HTTP traces URL from the validated config (the exporter reads the other OTEL_EXPORTER_OTLP_*). */
  url?: string;
}): Tracing {
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(options.url ? { url: options.url } : {}));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.version }),
    spanProcessors: [processor],
  });
  const tracer: Tracer = provider.getTracer('assistant', options.version);
  const current = new AsyncLocalStorage<Span>();

  return {
    async span(name, attrs, fn) {
      const parent = current.getStore();
      const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { attributes: clean(attrs) }, ctx);
      const handle: SpanHandle = { set: (more) => span.setAttributes(clean(more)) };
      try {
        return await current.run(span, () => fn(handle));
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const code = (e as { code?: unknown }).code;
        // The error's class and code only: its message may quote user or model text.
        span.setAttribute('error.type', typeof code === 'string' ? code : e.name);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
    shutdown: () => provider.shutdown(),
  };
}

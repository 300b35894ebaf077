import { readFileSync } from 'node:fs';
import type { WrappableTurnRunner } from './agents/turn-wrappers.ts';
import type { AppDeps } from './app.ts';
import type { Clock } from './core/clock.ts';
import type { Outbox } from './core/outbox.ts';
import type { TurnOutcome } from './core/turn.ts';
import { withTelemetry } from './core/telemetry.ts';
import type { GenerateRequest, GenerateResult, Llm } from './llm/types.ts';
import { createUsageRecorder } from './llm/usage.ts';
import { databaseSizeBytes, pendingApprovalCount } from './observability/db-stats.ts';
import {
  type Observability,
  type ObservabilityTestOptions,
  createObservability,
} from './observability/observability.ts';
import type { Store } from './store/db.ts';
import { createStatusFeature, statusCommands } from './telegram/features/status.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import type { Users } from './users/users.ts';

/** The version in package.json (for traces and /status). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

const GEMINI = 'gcp.gemini';

/** GenAI semantic-convention attributes of a model request (never its contents). */
function requestAttrs(operation: string, req: GenerateRequest) {
  return {
    'gen_ai.operation.name': operation,
    'gen_ai.system': GEMINI,
    'gen_ai.provider.name': GEMINI,
    'gen_ai.request.model': req.model,
    'gen_ai.agent.name': req.accountTo?.agent,
  };
}

function resultAttrs(res: GenerateResult) {
  return {
    'gen_ai.usage.input_tokens': res.usage.inputTokens,
    'gen_ai.usage.output_tokens': res.usage.outputTokens,
    'gen_ai.response.finish_reasons': res.finishReason ? [res.finishReason] : undefined,
  };
}

/** Model calls as `chat <model>` spans with GenAI attributes, counted by model and agent. */
function observedLlm(obs: Observability, llm: Llm): Llm {
  const t = obs.telemetry;
  const done = (req: GenerateRequest, res: GenerateResult) =>
    obs.metrics.modelCall(req.model, req.accountTo?.agent ?? 'none', res.usage.inputTokens, res.usage.outputTokens);
  return {
    generate: (req) =>
      t.span(`chat ${req.model}`, requestAttrs('chat', req), async (span) => {
        const res = await llm.generate(req);
        span.set(resultAttrs(res));
        done(req, res);
        return res;
      }),
    async *stream(req) {
      // A generator can't run inside one callback: the span covers the call until its `done` chunk.
      let finish: ((res: GenerateResult | undefined) => void) | undefined;
      const ended = new Promise<GenerateResult | undefined>((resolve) => {
        finish = resolve;
      });
      const spanDone = t
        .span(`chat ${req.model}`, requestAttrs('chat', req), async (span) => {
          const res = await ended;
          if (res) span.set(resultAttrs(res));
        })
        .catch(() => undefined);
      try {
        for await (const chunk of llm.stream(req)) {
          if (chunk.type === 'done') {
            done(req, chunk.result);
            finish?.(chunk.result);
          }
          yield chunk;
        }
      } finally {
        finish?.(undefined);
        await spanDone;
      }
    },
    embed: (texts, options) =>
      t.span('embeddings', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': GEMINI }, () =>
        llm.embed(texts, options),
      ),
  };
}

/** A plain copy of `target` (its methods bound to it, its own and inherited) with `overrides` on top: decorators
 *  stay spreadable (`{ ...outbox }`) and keep every method they don't override. */
function decorate<T extends object>(target: T, overrides: Partial<T>): T {
  const out: Record<string, unknown> = {};
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || key in out) continue;
      const value = (target as Record<string, unknown>)[key];
      out[key] = typeof value === 'function' ? value.bind(target) : value;
    }
  return Object.assign(out, overrides) as T;
}

/** Write transactions as `db.transaction` spans. */
function observedStore(obs: Observability, store: Store): Store {
  const t = obs.telemetry;
  return decorate<Store>(store, {
    write: <T>(fn: Parameters<Store['write']>[0]) =>
      t.span('db.transaction', { 'db.system.name': 'sqlite' }, () => store.write(fn)) as Promise<T>,
    batch: (statements: Parameters<Store['batch']>[0]) =>
      t.span('db.transaction', { 'db.system.name': 'sqlite', 'db.operation.batch.size': statements.length }, () =>
        store.batch(statements),
      ),
  });
}

/** Messages handed to Telegram as `telegram.send` spans. */
function observedOutbox<O extends Outbox>(obs: Observability, outbox: O): O {
  const t = obs.telemetry;
  // Every argument passes through (the Telegram outbox's `edit` takes options beyond the core contract).
  type AnyCall = (...args: unknown[]) => Promise<unknown>;
  const traced =
    (method: string, call: AnyCall): AnyCall =>
    (...args) =>
      t.span('telegram.send', { 'telegram.method': method }, () => call(...args));
  return decorate<O>(outbox, {
    send: traced('sendMessage', outbox.send.bind(outbox) as AnyCall),
    edit: traced('editMessageText', outbox.edit.bind(outbox) as AnyCall),
  } as unknown as Partial<O>);
}

/** Wraps every turn in a `turn` span (run with the app's telemetry), counts it and notes its error code. */
function observeTurns(obs: Observability, clock: Clock, turnRunner: WrappableTurnRunner): void {
  const measured = async (span: string, turn: () => Promise<TurnOutcome>) => {
    const started = clock.now();
    let status = 'error';
    try {
      const attrs = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'router' };
      const outcome = await withTelemetry(obs.telemetry, () =>
        obs.telemetry.span(span, attrs, async (s) => {
          const out = await turn();
          s.set({ 'turn.status': out.status });
          return out;
        }),
      );
      status = outcome.status;
      if (outcome.error) obs.telemetry.error(outcome.error.code);
      return outcome;
    } finally {
      obs.metrics.turn(status, (clock.now() - started) / 1000);
    }
  };
  turnRunner.wrap((inner) => ({
    run: (request, onEvent) => measured('turn', () => inner.run(request, onEvent)),
    resume: (request, suspension, resolutions, onEvent) =>
      measured('turn.resume', () => inner.resume(request, suspension, resolutions, onEvent)),
  }));
}

/** What the gauges read, once the front end exists. */
export interface ObservabilityAttachment {
  turnRunner: WrappableTurnRunner;
  dispatcher: { stats(): { running: number; queued: number }; depths(): Map<string, number> };
}

/**
 * Observability, wired: metrics always (served at /metrics on the HTTP server), traces when OTEL_* says so (or a test
 * passes an exporter). Decorates the Llm, the store and the outbox, wraps every turn, and runs the app's work with
 * its telemetry so the modules' `telemetry()` calls reach it.
 */
export function createAppObservability(
  deps: Pick<AppDeps, 'config' | 'clock' | 'log' | 'store'>,
  test: ObservabilityTestOptions = {},
) {
  const { clock, store } = deps;
  const startedAt = clock.now();
  const version = packageVersion();
  const env = deps.config.env;
  let attached: ObservabilityAttachment | undefined;
  const obs = createObservability({
    env,
    version,
    now: () => clock.now(),
    ...(test.spanExporter ? { spanExporter: test.spanExporter } : {}),
    sources: {
      queue: () => {
        const s = attached?.dispatcher.stats();
        return { total: (s?.running ?? 0) + (s?.queued ?? 0), perChat: attached?.dispatcher.depths() ?? new Map() };
      },
      pendingApprovals: () => pendingApprovalCount(store),
      dbSizeBytes: () => databaseSizeBytes(store),
    },
  });
  const run = <T>(fn: () => T): T => withTelemetry(obs.telemetry, fn);

  return {
    obs,
    routes: [obs.route],
    llm: (llm: Llm): Llm => observedLlm(obs, llm),
    /** The store with its write transactions traced (itself when traces are off). */
    store: (): Store => (obs.tracing ? observedStore(obs, store) : store),
    outbox: <O extends Outbox>(o: O): O => (obs.tracing ? observedOutbox(obs, o) : o),
    /** The owner's /status. */
    feature(parts: { users: Users; outbox: Outbox }): FeatureModule {
      const { users } = parts;
      // Only its summary query is used: the app's own recorder (in app-usage.ts) writes the rows.
      const recorder = createUsageRecorder({ store, clock, log: deps.log });
      const composer = createStatusFeature({
        outbox: parts.outbox,
        ownerId: () => users.ownerId(),
        localeOf: (userId) => users.localeOf(userId),
        timezoneOf: (userId) => users.timezoneOf(userId),
        report: async () => {
          const s = attached?.dispatcher.stats();
          const calls = await recorder.summary(clock.now() - 3_600_000);
          return {
            version,
            uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
            dbSizeBytes: await databaseSizeBytes(store),
            queue: { running: s?.running ?? 0, queued: s?.queued ?? 0 },
            errors: obs.errors.list(),
            modelCalls: calls.map((c) => ({ model: c.model, calls: c.calls, failed: c.failed })),
          };
        },
      });
      return { composer, commands: statusCommands };
    },
    /** Runs the app's work (intake, scheduler, outbox) with this telemetry; exports the last spans at stop. */
    wrap<A extends { start(): Promise<R>; stop(): Promise<void> }, R>(
      app: A,
      parts: ObservabilityAttachment,
    ): A & { observability: Observability } {
      attached = parts;
      observeTurns(obs, clock, parts.turnRunner);
      return {
        ...app,
        observability: obs,
        start: () =>
          run(async () => {
            await obs.ready;
            return app.start();
          }),
        async stop() {
          try {
            await app.stop();
          } finally {
            await obs.shutdown();
          }
        },
      };
    },
  };
}

import type { ToolRegistry } from './agents/registry.ts';
import type { Tool, ToolGate } from './agents/tool.ts';
import type { Config } from './config/load.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import type { Locale } from './i18n/locale.ts';
import type { Llm } from './llm/types.ts';
import type { Store } from './store/db.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { createWorkflowsFeature, workflowsCommands } from './telegram/features/workflows.ts';
import { loadWorkflows } from './workflows/load.ts';
import { type Workflows, createWorkflows } from './workflows/service.ts';

/** The workflows as the app uses them: the runner (a RoutineRunner for jobs), /workflows, start and stop. */
export interface WorkflowsWiring {
  runner: Workflows;
  feature: FeatureModule;
  start: () => void;
  stop: () => Promise<void>;
}

/**
 * Loads config/workflows/*.json (ConfigError listing every problem) and builds the runner. Call after every tool is
 * registered: a workflow's tool steps are checked against the registry.
 */
export function createAppWorkflows(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  llm: Llm;
  outbox: Outbox;
  registry: ToolRegistry;
  gate: ToolGate;
  toolNamed: (name: string) => Tool | undefined;
  users: { localeOf: (userId: number) => Promise<Locale>; timezoneOf: (userId: number) => Promise<string> };
}): WorkflowsWiring {
  const { config } = deps;
  const toolNamed = (name: string) => deps.registry.get(name) ?? deps.toolNamed(name);
  const definitions = loadWorkflows(config.configDir, {
    agents: config.roster.agents.map((a) => a.name),
    hasTool: (name) => toolNamed(name) !== undefined,
  });
  const runner = createWorkflows({
    store: deps.store,
    clock: deps.clock,
    log: deps.log.child({ module: 'workflows' }),
    outbox: deps.outbox,
    definitions,
    steps: {
      llm: deps.llm,
      models: { default: config.env.GEMINI_MODEL, router: config.env.GEMINI_ROUTER_MODEL },
      agentNamed: (name) => {
        const spec = config.roster.agents.find((a) => a.name === name);
        return spec ? { instructions: config.prompts[spec.prompt] ?? '', builtinTools: spec.builtinTools } : undefined;
      },
      toolNamed,
      gate: deps.gate,
      toolTimeoutMs: config.roster.limits.toolTimeoutMs,
      llmTimeoutMs: config.roster.limits.llmTimeoutMs,
      decisionTimeoutMs: (payload, scheduled) => {
        const ms = Number(scheduled ? payload.scheduledTimeoutMs : payload.timeoutMs);
        return Number.isFinite(ms) && ms > 0 ? ms : config.approvals.defaults.timeout;
      },
    },
  });
  const feature: FeatureModule = {
    composer: createWorkflowsFeature({
      workflows: runner,
      outbox: deps.outbox,
      localeOf: (userId) => deps.users.localeOf(userId),
      timezoneOf: (userId) => deps.users.timezoneOf(userId),
    }),
    commands: workflowsCommands,
  };
  return {
    runner,
    feature,
    start: () => void runner.start().catch((err) => deps.log.error({ err }, 'workflows could not start')),
    stop: () => runner.stop(),
  };
}

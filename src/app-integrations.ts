import type { ApprovalPolicy } from './approvals/policy.ts';
import type { Config } from './config/load.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import type { UserSecrets } from './core/secrets.ts';
import type { Locale } from './i18n/locale.ts';
import { type Integrations, createIntegrations } from './integrations/integrations.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { createToolsFeature, toolsCommands } from './telegram/features/tools.ts';

/** The MCP integrations as the app uses them: tools for the agents, the policy for them, /tools, start and stop. */
export interface IntegrationsWiring {
  integrations: Integrations;
  /** An MCP tool by name (for the approval gate, next to the registry). */
  toolNamed: Integrations['toolNamed'];
  /** An agent's MCP tools now (for `createRosterAgent`'s `extraTools`). */
  toolsFor: (agent: string) => ReturnType<Integrations['toolsFor']>;
  /** The approval policy with MCP read-only tools exempt from the `mcp_*` default rule. */
  policy: (base: ApprovalPolicy) => ApprovalPolicy;
  /** The /tools command. */
  feature: FeatureModule;
  start: () => void;
  stop: () => Promise<void>;
}

/**
 * Read-only MCP tools (annotated `readOnlyHint`) skip approval when only a pattern rule (the shipped `mcp_*`: ask)
 * covers them; a rule naming the tool exactly still applies, so an owner can always require approval for one.
 */
function exemptReadOnly(base: ApprovalPolicy, integrations: Integrations): ApprovalPolicy {
  return {
    config: base.config,
    ruleFor: (tool) => base.ruleFor(tool),
    evaluate(tool, args) {
      const exact = Object.hasOwn(base.config.tools, tool);
      if (!exact && integrations.isReadOnly(tool) === true) return { required: false };
      return base.evaluate(tool, args);
    },
  };
}

/** Builds the MCP integrations from config/mcp.json; `secrets` resolves `${secret:<name>}` per user (optional). */
export function createIntegrationsWiring(deps: {
  config: Config;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  localeOf: (userId: number) => Promise<Locale>;
  secrets?: UserSecrets;
}): IntegrationsWiring {
  const { config } = deps;
  const integrations = createIntegrations({
    mcp: config.mcp,
    agents: config.roster.agents,
    configDir: config.configDir,
    clock: deps.clock,
    log: deps.log,
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
  });
  return {
    integrations,
    toolsFor: (agent) => integrations.toolsFor(agent),
    toolNamed: (name) => integrations.toolNamed(name),
    policy: (base) => exemptReadOnly(base, integrations),
    feature: {
      composer: createToolsFeature({
        status: () => integrations.status(),
        outbox: deps.outbox,
        localeOf: deps.localeOf,
      }),
      commands: toolsCommands,
    },
    start: () => integrations.start(),
    stop: () => integrations.stop(),
  };
}

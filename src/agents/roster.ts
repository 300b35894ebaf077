import { ConfigError } from '../core/errors.ts';
import type { Roster } from '../config/roster.ts';
import type { Llm } from '../llm/types.ts';
import { createAgent } from './agent.ts';
import { withoutMemory } from './memoryless.ts';
import { createNetwork } from './network.ts';
import type { ToolRegistry } from './registry.ts';
import type { Tool, ToolGate } from './tool.ts';
import type { Agent } from './types.ts';

export interface RosterNetworkOptions {
  roster: Roster;
  /** Prompt texts by the file name the roster uses (Config.prompts). */
  prompts: Record<string, string>;
  /** What the model refs `default` and `router` mean (GEMINI_MODEL, GEMINI_ROUTER_MODEL). */
  models: { default: string; router: string };
  llm: Llm;
  /** Every tool the roster may name must be registered before this is called. */
  registry: ToolRegistry;
  gate?: ToolGate;
  /** Tools an agent gets besides its roster `tools`, read per run (MCP servers' tools, which appear once connected). */
  extraTools?: (agent: string) => Tool[];
}

/**
 * Builds the Network from config/agents.json: the router plus one agent per roster entry, tools looked up by name.
 * Adding or removing an agent is a config edit. Throws ConfigError listing every unknown tool or missing prompt.
 */
export function createNetworkFromRoster(options: RosterNetworkOptions): Agent {
  const { roster, prompts, models, llm, registry, gate, extraTools } = options;
  const issues = registry.validateToolNames(roster).map((i) => `  - ${i}`);
  const promptOf = (file: string, who: string): string => {
    const text = prompts[file];
    if (!text?.trim()) issues.push(`  - agents.json: ${who} prompt "${file}" is missing or empty`);
    return text ?? '';
  };
  const modelOf = (ref: string): string =>
    ref === 'default' ? models.default : ref === 'router' ? models.router : ref;

  const routerInstructions = promptOf(roster.router.prompt, 'router');
  const agentInstructions = roster.agents.map((a) => promptOf(a.prompt, `agent "${a.name}"`));
  if (issues.length > 0) throw new ConfigError(issues);

  const agents = roster.agents.map((spec, i) => {
    const agent = createAgent({
      name: spec.name,
      description: spec.description,
      model: modelOf(spec.model),
      instructions: agentInstructions[i] ?? '',
      tools: registry.resolve(spec.tools),
      builtinTools: spec.builtinTools,
      ...(extraTools && spec.builtinTools.length === 0 ? { extraTools: () => extraTools(spec.name) } : {}),
      llm,
      ...(gate ? { gate } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
    });
    return spec.memory ? agent : withoutMemory(agent);
  });
  return createNetwork({
    name: 'router',
    router: {
      model: modelOf(roster.router.model),
      instructions: routerInstructions,
      tools: registry.resolve(roster.router.tools),
      ...(roster.router.temperature !== undefined ? { temperature: roster.router.temperature } : {}),
    },
    agents,
    llm,
    ...(gate ? { gate } : {}),
  });
}

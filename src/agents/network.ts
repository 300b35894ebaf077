import { type AgentOptions, createLoopAgent } from './agent.ts';
import type { Tool, ToolGate } from './tool.ts';
import type { Agent } from './types.ts';
import type { Llm } from '../llm/types.ts';

export interface NetworkOptions {
  name: string;
  /** How a parent router should see this Network when it is nested. */
  description?: string;
  router: {
    model: string;
    instructions: string;
    tools?: Tool[];
    temperature?: number;
  };
  /** Specialists; each becomes the router tool `agent_<name>` with its description. A Network may be one of them. */
  agents: Agent[];
  llm: Llm;
  /** Approval gate for the router's own tools (sub-agents carry their own). */
  gate?: ToolGate;
}

/**
 * A Network: a router agent whose tools include its sub-agents. It IS an Agent, so Networks nest.
 * The router sees the whole conversation and may answer itself (one model call); when it delegates to one agent,
 * that agent's answer is returned as-is (two model calls). Several parallel delegations get one combining router call.
 */
export function createNetwork(options: NetworkOptions): Agent {
  if (options.agents.length === 0) throw new Error(`Network "${options.name}" needs at least one agent`);
  const agentOptions: AgentOptions = {
    name: options.name,
    description:
      options.description ?? `Coordinates these agents: ${options.agents.map((a) => `${a.name} (${a.description})`).join('; ')}`,
    model: options.router.model,
    instructions: options.router.instructions,
    tools: options.router.tools ?? [],
    llm: options.llm,
  };
  if (options.gate) agentOptions.gate = options.gate;
  if (options.router.temperature !== undefined) agentOptions.temperature = options.router.temperature;
  return createLoopAgent(agentOptions, options.agents);
}

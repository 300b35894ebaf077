import { isDataFile } from '../core/data-files.ts';
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
  /**
   * The agent that answers every turn with attachments (photos, documents, voice), skipping the router, so the
   * model that answers has seen the media. Default: the agent named `assistant`, else the first agent.
   */
  mediaAgent?: string;
}

/** The agent a turn with attachments goes to: `preferred`, else `assistant`, else the first. */
export function pickMediaAgent(agents: Agent[], preferred?: string): Agent {
  if (preferred !== undefined) {
    const found = agents.find((a) => a.name === preferred);
    if (!found) throw new Error(`Network media agent "${preferred}" is not one of its agents`);
    return found;
  }
  return agents.find((a) => a.name === 'assistant') ?? (agents[0] as Agent);
}

/** The agent name a suspended frame belongs to (undefined for anything that isn't a frame). */
function frameAgent(snapshot: unknown): string | undefined {
  return typeof snapshot === 'object' && snapshot !== null && 'agent' in snapshot && typeof snapshot.agent === 'string'
    ? snapshot.agent
    : undefined;
}

/**
 * A Network: a router agent whose tools include its sub-agents. It IS an Agent, so Networks nest.
 * The router sees the whole conversation and may answer itself (one model call); when it delegates to one agent,
 * that agent's answer is returned as-is (two model calls). Several parallel delegations get one combining router call.
 *
 * A turn with attachments goes straight to the media agent with the bytes inline (one model call): the router
 * would see only a note about the files and could answer "what is in this picture?" without seeing it. Giving the
 * router the bytes instead would pay the media's input tokens twice (router, then the agent it delegates to). Data
 * files only (CSV, JSON) go to the router like text: it picks by the request (a chart, a sum → the analyst) and the
 * agent it delegates to gets the files.
 */
export function createNetwork(options: NetworkOptions): Agent {
  if (options.agents.length === 0) throw new Error(`Network "${options.name}" needs at least one agent`);
  const agentOptions: AgentOptions = {
    name: options.name,
    description:
      options.description ??
      `Coordinates these agents: ${options.agents.map((a) => `${a.name} (${a.description})`).join('; ')}`,
    model: options.router.model,
    instructions: options.router.instructions,
    tools: options.router.tools ?? [],
    llm: options.llm,
  };
  if (options.gate) agentOptions.gate = options.gate;
  if (options.router.temperature !== undefined) agentOptions.temperature = options.router.temperature;
  const router = createLoopAgent(agentOptions, options.agents);
  const media = pickMediaAgent(options.agents, options.mediaAgent);
  if (media.name === router.name) throw new Error(`Network "${options.name}" has an agent with its own name`);
  return {
    name: router.name,
    description: router.description,
    run(input, ctx) {
      const files = input.attachments ?? [];
      // Data files (CSV, JSON) need no eyes to route: the router sees a note and the agent it picks gets the bytes.
      if (files.length === 0 || files.every(isDataFile)) return router.run(input, ctx);
      ctx.emit({ type: 'routing', from: router.name, to: media.name, task: input.text });
      return media.run(input, ctx);
    },
    // A run suspended in the media agent is its frame, not the router's.
    resume(snapshot, resolutions, ctx) {
      return (frameAgent(snapshot) === media.name ? media : router).resume(snapshot, resolutions, ctx);
    },
  };
}

import type { BuiltinTool, Llm, ToolDeclaration } from '../llm/types.ts';
import type { Tool, ToolGate } from './tool.ts';
import type { Agent } from './types.ts';

export interface AgentOptions {
  name: string;
  description: string;
  model: string;
  instructions: string;
  tools?: Tool[];
  /**
   * Tools that come and go while the process runs (MCP servers that connect later), read at the start of every run and
   * resume and added to `tools`.
   */
  extraTools?: () => Tool[];
  /** Provider-side tools (search grounding, URL context, code execution); Gemini can't mix them with function tools. */
  builtinTools?: BuiltinTool[];
  llm: Llm;
  /** Approval gate asked before every tool call; none means allow. */
  gate?: ToolGate;
  temperature?: number;
  maxOutputTokens?: number;
}

/** What one loop agent is, fixed at creation: its options, tools, sub-agents and what the model is told of them. */
export interface LoopSpec {
  name: string;
  options: AgentOptions;
  tools: Map<string, Tool>;
  /** Sub-agents by their tool name `agent_<name>`. */
  subAgents: Map<string, Agent>;
  declarations: ToolDeclaration[];
  /** Every callable name, for the "unknown tool" answer. */
  toolList: string;
}

/** The tool schema a sub-agent has in the router's eyes. */
const TASK_PARAMETERS: Record<string, unknown> = {
  type: 'object',
  properties: {
    task: {
      type: 'string',
      description:
        "The user's request for this agent, standing on its own: resolve references like 'it' or 'yes, do that' from the conversation, otherwise keep the user's wording and language.",
    },
  },
  required: ['task'],
};

function toolsByName(name: string, list: Tool[]): Map<string, Tool> {
  const tools = new Map<string, Tool>();
  for (const t of list) {
    if (tools.has(t.name)) throw new Error(`Agent "${name}" lists tool "${t.name}" twice`);
    tools.set(t.name, t);
  }
  return tools;
}

function subAgentsByToolName(name: string, delegates: Agent[]): Map<string, Agent> {
  const subAgents = new Map<string, Agent>();
  for (const a of [...delegates].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    const toolName = `agent_${a.name}`;
    if (subAgents.has(toolName)) throw new Error(`Network "${name}" has two agents named "${a.name}"`);
    subAgents.set(toolName, a);
  }
  return subAgents;
}

/** Checks and indexes an agent's tools and sub-agents. Throws for duplicates or builtin tools mixed with functions. */
export function createLoopSpec(options: AgentOptions, delegates: Agent[]): LoopSpec {
  const { name } = options;
  const tools = toolsByName(name, options.tools ?? []);
  const subAgents = subAgentsByToolName(name, delegates);
  const declarations: ToolDeclaration[] = [
    ...[...tools.values()].map((t) => t.declaration),
    ...[...subAgents.entries()].map(([toolName, a]) => ({
      name: toolName,
      description: a.description,
      parameters: TASK_PARAMETERS,
    })),
  ];
  if ((options.builtinTools?.length ?? 0) > 0 && declarations.length > 0)
    throw new Error(`Agent "${name}": Gemini cannot combine builtinTools with function tools or sub-agents`);
  const toolList = [...tools.keys(), ...subAgents.keys()].join(', ');
  return { name, options, tools, subAgents, declarations, toolList };
}

/** A call whose result carries outside text: an `untrusted` tool or a sub-agent with web tools. */
export function readsUntrusted(spec: LoopSpec, toolName: string): boolean {
  return spec.tools.get(toolName)?.untrusted === true || spec.subAgents.get(toolName)?.untrusted === true;
}

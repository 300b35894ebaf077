import type { Tool } from './tool.ts';

/** The roster fields the registry checks (a subset of `Roster`, so tests can pass literals). */
export interface RosterToolRefs {
  router: { tools: string[] };
  agents: { name: string; tools: string[] }[];
}

/** Tools by name. Every module registers its tools here at startup; the roster picks them by name. */
export interface ToolRegistry {
  /** Adds tools. Throws if a name is already registered (two modules fighting over one name is a wiring bug). */
  register(...tools: Tool[]): void;
  get(name: string): Tool | undefined;
  has(name: string): boolean;
  /** Every registered tool, sorted by name. */
  list(): Tool[];
  /** The tools for these names, in order. Throws an Error naming every unknown tool. */
  resolve(names: string[]): Tool[];
  /** Human-readable problems (one per unknown tool name in the roster); empty when everything resolves. */
  validateToolNames(roster: RosterToolRefs): string[];
}

/** Creates an empty tool registry. */
export function createToolRegistry(): ToolRegistry {
  const tools = new Map<string, Tool>();

  function unknownIssue(where: string, name: string): string {
    const known = [...tools.keys()].sort();
    return `agents.json: ${where} lists tool "${name}", which does not exist (known tools: ${known.length > 0 ? known.join(', ') : 'none'})`;
  }

  const registry: ToolRegistry = {
    register(...list) {
      for (const tool of list) {
        if (tools.has(tool.name)) throw new Error(`Tool "${tool.name}" is registered twice`);
        tools.set(tool.name, tool);
      }
    },
    get: (name) => tools.get(name),
    has: (name) => tools.has(name),
    list: () => [...tools.values()].sort((a, b) => a.name.localeCompare(b.name)),
    resolve(names) {
      const missing = names.filter((n) => !tools.has(n));
      if (missing.length > 0) throw new Error(missing.map((n) => unknownIssue('the roster', n)).join('\n'));
      return names.map((n) => tools.get(n) as Tool);
    },
    validateToolNames(roster) {
      const issues: string[] = [];
      for (const name of roster.router.tools) if (!tools.has(name)) issues.push(unknownIssue('router', name));
      for (const agent of roster.agents)
        for (const name of agent.tools) if (!tools.has(name)) issues.push(unknownIssue(`agent "${agent.name}"`, name));
      return issues;
    },
  };
  return registry;
}

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { type Env, crossFieldIssues, envSchema } from './env.ts';
import { DEFAULT_GUARDS, type GuardsConfig, guardsConfigSchema } from './guards.ts';
import { type McpConfig, mcpConfigSchema } from './mcp.ts';
import { type Roster, rosterSchema } from './roster.ts';
import { type ApprovalsConfig, approvalsConfigSchema } from '../approvals/policy-schema.ts';

/** The validated, frozen configuration: environment plus the user-editable files in CONFIG_DIR. */
export interface Config {
  env: Env;
  configDir: string;
  roster: Roster;
  /** Prompt texts by the path the roster names them with. */
  prompts: Record<string, string>;
  /** Tool approval policy from approvals.json. */
  approvals: ApprovalsConfig;
  /** The processor chain's settings from guards.json (defaults when the file is absent). */
  guards: GuardsConfig;
  /** MCP servers from mcp.json (optional file: none when it is missing). */
  mcp: McpConfig;
}

function formatIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  - ${prefix}${where}: ${issue.message}`;
  });
}

/** Reads and validates a JSON file in the config directory; problems are appended to `issues`. */
export function readJsonFile<S extends z.ZodType>(
  dir: string,
  file: string,
  schema: S,
  issues: string[],
): z.infer<S> | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) {
    issues.push(`  - ${file}: file not found in ${dir} (CONFIG_DIR)`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    issues.push(`  - ${file}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    issues.push(...formatIssues(`${file}: `, parsed.error));
    return undefined;
  }
  return parsed.data;
}

/** Roster agents naming an MCP server mcp.json doesn't declare. */
function unknownMcpServers(roster: Roster, mcp: McpConfig): string[] {
  const known = Object.keys(mcp.mcpServers);
  return roster.agents.flatMap((agent) =>
    agent.mcp
      .filter((name) => !known.includes(name))
      .map(
        (name) =>
          `  - agents.json: agent "${agent.name}" lists MCP server "${name}", which mcp.json does not declare (declared: ${known.length > 0 ? known.join(', ') : 'none'})`,
      ),
  );
}

/**
 * Validates the environment and CONFIG_DIR files. Throws one ConfigError listing every problem.
 * Pure apart from reading the config files; never prints secrets (values are not echoed).
 */
export function loadConfig(rawEnv: Record<string, string | undefined>, options: { cwd?: string } = {}): Config {
  const issues: string[] = [];
  const envResult = envSchema.safeParse(rawEnv);
  if (!envResult.success) issues.push(...formatIssues('', envResult.error));
  for (const issue of crossFieldIssues(rawEnv)) issues.push(`  - ${issue.path}: ${issue.message}`);

  const configDirRaw = rawEnv.CONFIG_DIR?.trim() || 'config';
  const configDir = isAbsolute(configDirRaw) ? configDirRaw : resolve(options.cwd ?? process.cwd(), configDirRaw);

  const roster = readJsonFile(configDir, 'agents.json', rosterSchema, issues);
  const prompts: Record<string, string> = {};
  if (roster) {
    const files = [roster.router.prompt, ...roster.agents.map((a) => a.prompt)];
    for (const file of files) {
      const path = join(configDir, file);
      if (!existsSync(path)) {
        issues.push(`  - agents.json: prompt file "${file}" not found in ${configDir}`);
        continue;
      }
      const text = readFileSync(path, 'utf8').trim();
      if (!text) issues.push(`  - ${file}: prompt file is empty`);
      prompts[file] = text;
    }
  }

  const approvals = readJsonFile(configDir, 'approvals.json', approvalsConfigSchema, issues);
  // Optional: a config directory from before the guards existed keeps working with the defaults.
  const guards = existsSync(join(configDir, 'guards.json'))
    ? readJsonFile(configDir, 'guards.json', guardsConfigSchema, issues)
    : DEFAULT_GUARDS;
  const mcp = existsSync(join(configDir, 'mcp.json'))
    ? readJsonFile(configDir, 'mcp.json', mcpConfigSchema, issues)
    : { mcpServers: {} };
  if (roster && mcp) issues.push(...unknownMcpServers(roster, mcp));

  if (issues.length > 0 || !envResult.success || !roster || !approvals || !guards || !mcp)
    throw new ConfigError(issues);
  return Object.freeze({ env: envResult.data, configDir, roster, prompts, approvals, guards, mcp });
}

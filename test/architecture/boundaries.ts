import { builtinModules } from 'node:module';
import { findCycles, type ImportEdge } from './import-graph.ts';

/**
 * The module rules of docs/architecture.md ("Modules and dependencies"), checked on every import of src/ by
 * boundaries.test.ts. Vendor packages are restricted separately, by biome's noRestrictedImports (biome.json).
 *
 * A module is a folder directly under src/. Type-only imports count too: a type is part of a module's contract.
 * To add a dependency on purpose, add it here AND to the picture in docs/architecture.md.
 */

/** The composition root: the files directly in src/ (main.ts, app.ts and its parts) wire every `createX(deps)` and
 *  may import anything. */
export const COMPOSITION_ROOT = {
  has: (file: string): boolean => /^src\/[^/]+\.ts$/.test(file),
};

/**
 * Which modules each module may import. It must stay acyclic (a test checks it), so the modules form layers:
 *   core → (i18n, store) → (llm, config, attachments, retention) → agents → (approvals, memory, scheduler)
 *        → (privacy, users) → telegram → app.ts / main.ts
 * Every module may import its own files. Derived from docs/architecture.md and the imports of Dec 2026.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // The kernel: contracts (Clock, Outbox, TurnRunner, ConversationMemory), errors, logger, small pure helpers.
  core: [],
  // The bot's own texts: Locale, catalogues, plurals, date formatting.
  i18n: ['core'],
  // The only libSQL importer: the Store port, engines, migrations.
  store: ['core'],
  // The only @google/genai importer: the Llm port (types.ts), Gemini adapter, usage recording.
  llm: ['core', 'store'],
  // Environment and config/ files.
  config: ['core'],
  // Content-addressed files kept for suspended runs.
  attachments: ['core', 'store'],
  // Retention rules and the pruner.
  retention: ['core', 'store'],
  // int8 vectors, 1-bit prefilter and the per-scope vector cache shared by memory recall and the knowledge base.
  vectors: ['core'],
  // Per-user secrets encrypted at rest (SECRETS_KEY).
  secrets: ['core', 'i18n', 'store'],
  // Turn runner, Network, agents, the tool contract (agents/tool.ts) other features implement.
  agents: ['core', 'i18n', 'llm', 'config'],
  // The processor chain around model calls, taint rules, the built-in guards.
  guards: ['core', 'i18n', 'config', 'agents'],
  // The only prom-client / @opentelemetry importer: metrics, traces, /metrics, behind the Telemetry port (core).
  observability: ['core', 'config', 'store'],
  // Token usage, prices and budgets.
  usage: ['core', 'i18n', 'store', 'llm', 'config', 'agents'],
  // MCP servers as agent tools.
  integrations: ['core', 'i18n', 'store', 'config', 'agents'],
  approvals: ['core', 'i18n', 'store', 'agents', 'attachments'],
  memory: ['core', 'i18n', 'store', 'llm', 'agents', 'vectors'],
  // Documents and links: ingestion, chunks, hybrid search, the knowledge tools.
  knowledge: ['core', 'i18n', 'store', 'llm', 'agents', 'vectors'],
  scheduler: ['core', 'i18n', 'store', 'agents'],
  // Skills: named procedures a user or group saved, found by description embedding, run by name or by a job.
  skills: ['core', 'i18n', 'store', 'llm', 'agents', 'vectors'],
  // Deterministic workflows from config/workflows: steps, event log per run, resume after a crash.
  workflows: ['core', 'i18n', 'store', 'llm', 'config', 'agents', 'approvals'],
  // Background tasks: turns that run beside the chat and post their result when done.
  tasks: ['core', 'i18n', 'store', 'agents'],
  privacy: [
    'core',
    'i18n',
    'store',
    'memory',
    'retention',
    'knowledge',
    'secrets',
    'usage',
    'skills',
    'tasks',
    'workflows',
  ],
  // users/revoke.ts cancels a revoked user's approvals and pauses their jobs.
  users: ['core', 'i18n', 'store', 'config', 'approvals', 'scheduler'],
  // The only grammY importer: intake, bot middleware, the features (commands, buttons), outbox.
  telegram: [
    'core',
    'i18n',
    'store',
    'llm',
    'config',
    'approvals',
    'memory',
    'scheduler',
    'privacy',
    'users',
    'knowledge',
    'guards',
    'usage',
    'secrets',
    'integrations',
    'skills',
    'workflows',
    'tasks',
  ],
};

/** Packages src/core may import besides node builtins. */
export const CORE_PACKAGES: ReadonlySet<string> = new Set(['zod', 'pino']);

/** One file-to-file import the module rules would refuse, allowed on purpose. */
export interface Exception {
  readonly from: string;
  readonly to: string;
  /** The exception holds only while the import stays `import type`. */
  readonly typeOnly: boolean;
  readonly why: string;
}

/**
 * Today's imports that break the layering, listed so the test passes while they are fixed (each one is a finding).
 * The test fails when one is no longer used while its target file exists: remove it then.
 */
export const EXCEPTIONS: readonly Exception[] = [
  // core's contracts are written in the model's message types (Content, Part, Grounding, Usage), which live in
  // src/llm/types.ts next to the Llm port. Moving those plain types into src/core would end these four.
  ...['activity', 'memory', 'turn', 'voice-transcript'].map((name) => ({
    from: `src/core/${name}.ts`,
    to: 'src/llm/types.ts',
    typeOnly: true,
    why: 'core contracts use the model message types of src/llm/types.ts',
  })),
  // TurnRequest.locale (src/core/turn.ts) is the i18n module's Locale type ('en' | 'ru'); arrives with the i18n work.
  {
    from: 'src/core/turn.ts',
    to: 'src/i18n/locale.ts',
    typeOnly: true,
    why: 'the turn contract carries the Locale type of src/i18n/locale.ts',
  },
  // config/load.ts validates config/approvals.json with the schema approvals owns (a runtime import of a pure zod
  // schema): config would otherwise sit above approvals and close the loop agents → config → approvals → agents.
  {
    from: 'src/config/load.ts',
    to: 'src/approvals/policy-schema.ts',
    typeOnly: false,
    why: 'config/approvals.json is validated by the approvals policy schema',
  },
];

/** The module of a repository path: the folder under src/, `(root)` for src/app.ts and src/main.ts. */
export function moduleOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return '(outside src)';
  return parts.length > 2 ? parts[1]! : '(root)';
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function describe(edge: ImportEdge): string {
  const type = edge.kind === 'type' ? 'import type ' : edge.kind === 'dynamic' ? 'import() ' : 'import ';
  return `${edge.from}:${edge.line}  ${type}'${edge.specifier}'`;
}

/** Layering violations: an import another module may not make, core importing a package, an unresolved import. */
export function checkLayers(
  edges: readonly ImportEdge[],
  allowed: Readonly<Record<string, readonly string[]>> = ALLOWED,
  exceptions: readonly Exception[] = EXCEPTIONS,
): { violations: string[]; usedExceptions: Set<Exception> } {
  const violations: string[] = [];
  const usedExceptions = new Set<Exception>();
  for (const edge of edges) {
    const from = moduleOf(edge.from);
    if (COMPOSITION_ROOT.has(edge.from)) continue;
    if (!(from in allowed)) {
      violations.push(`${edge.from}: module src/${from} is not in the module rules (add it to ALLOWED)`);
      continue;
    }
    if (edge.target === undefined) {
      if (edge.specifier.startsWith('.')) {
        violations.push(`${describe(edge)}: cannot be resolved to a file`);
      } else if (from === 'core' && !isNodeBuiltin(edge.specifier) && !CORE_PACKAGES.has(packageName(edge.specifier))) {
        violations.push(`${describe(edge)}: src/core imports only node builtins, ${[...CORE_PACKAGES].join(', ')}`);
      }
      continue;
    }
    const to = moduleOf(edge.target);
    if (to === from) continue;
    if (to !== '(outside src)' && (allowed[from] ?? []).includes(to)) continue;
    const exception = exceptions.find((e) => e.from === edge.from && e.to === edge.target);
    if (exception && (!exception.typeOnly || edge.kind === 'type')) {
      usedExceptions.add(exception);
      continue;
    }
    const rule =
      to === '(outside src)'
        ? 'src/ never imports files outside src/'
        : to === '(root)'
          ? 'only the composition root imports src/app.ts or src/main.ts'
          : `src/${from} may import ${(allowed[from] ?? []).map((m) => `src/${m}`).join(', ') || 'no other module'}`;
    const extra = exception ? ' (the allowed exception is for `import type` only)' : '';
    violations.push(`${describe(edge)} → ${edge.target}: ${rule}${extra}`);
  }
  return { violations, usedExceptions };
}

/** Modules found under src/ that the rules don't know (not counting the composition root). */
export function unknownModules(files: readonly string[], allowed = ALLOWED): string[] {
  const found = new Set(files.filter((f) => !COMPOSITION_ROOT.has(f)).map(moduleOf));
  return [...found].filter((m) => !(m in allowed)).sort();
}

/** Runtime import cycles between files, each as `a → b → … → a` with the import lines. */
export function checkCycles(files: readonly string[], edges: readonly ImportEdge[]): string[] {
  return findCycles(files, edges).map((loop) => {
    const steps = loop.slice(0, -1).map((file, i) => {
      const next = loop[i + 1]!;
      const edge = edges.find((e) => e.from === file && e.target === next && e.kind === 'runtime');
      return `${file}:${edge?.line ?? '?'} → ${next}`;
    });
    return `runtime import cycle: ${steps.join(', ')}`;
  });
}

/** A cycle in the module rules themselves (they must form layers), or an empty list. */
export function ruleCycle(allowed: Readonly<Record<string, readonly string[]>> = ALLOWED): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (m: string): string[] => {
    if (state.get(m) === 'done') return [];
    if (state.get(m) === 'visiting') return [...path.slice(path.indexOf(m)), m];
    state.set(m, 'visiting');
    path.push(m);
    for (const dep of allowed[m] ?? []) {
      const loop = visit(dep);
      if (loop.length > 0) return loop;
    }
    path.pop();
    state.set(m, 'done');
    return [];
  };
  for (const m of Object.keys(allowed)) {
    const loop = visit(m);
    if (loop.length > 0) return loop;
  }
  return [];
}

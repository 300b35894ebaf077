import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../config/load.ts';
import { ConfigError } from '../core/errors.ts';
import type { Step, Workflow } from './definition.ts';
import { workflowSchema } from './definition.ts';
import { referencesOf, stepOfReference, templatesIn } from './template.ts';

/** What a workflow may name: the roster's agents and the registered tools. */
export interface WorkflowRefs {
  agents: readonly string[];
  hasTool: (name: string) => boolean;
}

/** Every step with its path in the file (`steps.2.steps.0`), depth first. */
function* walk(steps: Step[], path: string): Generator<{ step: Step; path: string }> {
  for (const [i, step] of steps.entries()) {
    const here = `${path}.${i}`;
    yield { step, path: here };
    if (step.type === 'parallel')
      for (const [b, branch] of step.branches.entries()) yield* walk(branch, `${here}.branches.${b}`);
    if (step.type === 'forEach' || step.type === 'condition') yield* walk(step.steps, `${here}.steps`);
    if (step.type === 'condition') yield* walk(step.otherwise, `${here}.otherwise`);
  }
}

function templatesOf(step: Step): string[] {
  switch (step.type) {
    case 'agent':
      return [step.task];
    case 'tool':
      return templatesIn(step.args);
    case 'post':
      return [step.text];
    case 'forEach':
      return [step.items, ...(step.output ? [step.output] : [])];
    case 'condition':
      return [step.if.value];
    default:
      return [];
  }
}

/** Problems a schema can't see: ids, the final post, agents, tools and template references. */
export function checkWorkflow(file: string, wf: Workflow, refs: WorkflowRefs): string[] {
  const issues: string[] = [];
  const at = (path: string, message: string) => issues.push(`  - workflows/${file}: ${path}: ${message}`);
  const all = [...walk(wf.steps, 'steps')];
  const ids = new Map<string, string>();
  const loopVars = new Set<string>();
  for (const { step, path } of all) {
    if (ids.has(step.id)) at(`${path}.id`, `step id "${step.id}" is used twice (first at ${ids.get(step.id)})`);
    ids.set(step.id, path);
    if (step.type === 'forEach') loopVars.add(step.as);
  }
  const last = wf.steps[wf.steps.length - 1];
  if (last?.type !== 'post') at('steps', 'the last step must be a "post" step (it posts the result to the chat)');
  for (const { step, path } of all) {
    if (step.type === 'post' && step !== last)
      at(path, 'a "post" step may only be the last step of the workflow (one message per run)');
    if (step.type === 'agent' && !refs.agents.includes(step.agent))
      at(`${path}.agent`, `unknown agent "${step.agent}" (agents.json has: ${refs.agents.join(', ')})`);
    if (step.type === 'tool' && !refs.hasTool(step.tool)) at(`${path}.tool`, `unknown tool "${step.tool}"`);
    for (const template of templatesOf(step)) {
      for (const ref of referencesOf(template)) {
        const head = ref.split('.')[0] ?? '';
        const target = stepOfReference(ref);
        if (head === 'params') {
          const name = ref.split('.')[1] ?? '';
          if (!Object.hasOwn(wf.params, name)) at(path, `{{${ref}}} names no declared parameter`);
        } else if (head === 'steps') {
          if (!target || !ids.has(target) || ref.split('.')[2] !== 'output')
            at(path, `{{${ref}}}: write {{steps.<id>.output}} with the id of an earlier step`);
          else if (target === step.id) at(path, `{{${ref}}} refers to its own step`);
        } else if (!loopVars.has(head))
          at(path, `{{${ref}}}: unknown name "${head}" (params., steps. or a forEach item)`);
      }
    }
  }
  return issues;
}

/**
 * Reads every `*.json` in `<configDir>/workflows` (none, or no folder: no workflows). Throws one ConfigError listing
 * every problem with its file and path.
 */
export function loadWorkflows(configDir: string, refs: WorkflowRefs): Map<string, Workflow> {
  const dir = join(configDir, 'workflows');
  const out = new Map<string, Workflow>();
  if (!existsSync(dir)) return out;
  const issues: string[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of files) {
    const wf = readJsonFile(dir, file, workflowSchema, issues);
    if (!wf) continue;
    const fileIssues = checkWorkflow(file, wf, refs);
    issues.push(...fileIssues);
    if (out.has(wf.name)) issues.push(`  - workflows/${file}: name: "${wf.name}" is already used by another file`);
    else if (fileIssues.length === 0) out.set(wf.name, wf);
  }
  if (issues.length > 0)
    throw new ConfigError(
      issues.map((i) => (i.startsWith('  - workflows/') ? i : i.replace('  - ', '  - workflows/'))),
    );
  return out;
}

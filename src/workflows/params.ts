import type { ParamSpec, Workflow } from './definition.ts';

/** The problem with one parameter, for the person who gave it. */
export type ParamProblem =
  | { kind: 'unknown'; name: string }
  | { kind: 'missing'; name: string }
  | { kind: 'not_number'; name: string }
  | { kind: 'too_many'; name: string; max: number };

/** Trigger parameters checked and typed, or every problem found. */
export type ParamCheck = { ok: true; params: Record<string, unknown> } | { ok: false; problems: ParamProblem[] };

/** Splits a list value on commas, whitespace or new lines. */
export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function typed(name: string, spec: ParamSpec, raw: string, problems: ParamProblem[]): unknown {
  if (spec.type === 'number') {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) problems.push({ kind: 'not_number', name });
    return n;
  }
  if (spec.type === 'list') {
    const items = splitList(raw);
    if (spec.maxItems !== undefined && items.length > spec.maxItems)
      problems.push({ kind: 'too_many', name, max: spec.maxItems });
    return items;
  }
  return raw;
}

/** Checks the trigger's parameters (a command, a job, a button) against the workflow's declared ones. */
export function checkParams(workflow: Workflow, given: Record<string, string>): ParamCheck {
  const problems: ParamProblem[] = [];
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(given))
    if (!Object.hasOwn(workflow.params, name)) problems.push({ kind: 'unknown', name });
  for (const [name, spec] of Object.entries(workflow.params)) {
    const raw = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (raw === undefined || (spec.required && raw.trim() === '')) {
      if (spec.required) problems.push({ kind: 'missing', name });
      else params[name] = spec.type === 'list' ? [] : '';
      continue;
    }
    params[name] = typed(name, spec, raw, problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params };
}

/** The required parameters without a default: what a Run button must ask for. */
export function paramsToAsk(workflow: Workflow): string[] {
  return Object.entries(workflow.params)
    .filter(([, spec]) => spec.required && spec.default === undefined)
    .map(([name]) => name);
}

/** `key=value` words of `/workflows run <name> key=value …` (a value runs to the next `key=`). */
export function parseParamWords(text: string): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  const re = /([a-z][a-z0-9_]{0,31})=/g;
  const marks = [...text.matchAll(re)];
  const before = text.slice(0, marks[0]?.index ?? text.length).trim();
  if (before) return { error: before };
  marks.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = marks[i + 1]?.index ?? text.length;
    out[m[1] ?? ''] = text.slice(start, end).trim();
  });
  return out;
}

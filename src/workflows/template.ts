/**
 * Templates of workflow steps: `{{params.x}}`, `{{steps.id.output}}` (or `{{steps.id.output.field}}`) and, inside a
 * forEach, the item (`{{item}}`, `{{item.field}}`). Pure functions; nothing here runs a step.
 */

/** A value a template can reach, with where it came from when that was outside text (a web page). */
export interface ScopeValue {
  value: unknown;
  /** Set when the value carries untrusted text: the source's name (a host). */
  untrusted?: string;
}

/** What templates see: parameters, loop items, and step outputs (inner scopes first, then the enclosing ones). */
export interface Scope {
  params: Record<string, unknown>;
  vars: Record<string, ScopeValue>;
  outputs: Map<string, ScopeValue>;
  parent?: Scope;
}

const REF = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/** Every reference in a template (`params.x`, `steps.id.output…`, `item…`), as written. */
export function referencesOf(template: string): string[] {
  return [...template.matchAll(REF)].map((m) => m[1] ?? '');
}

/** The first segment after `steps.`, or undefined. */
export function stepOfReference(ref: string): string | undefined {
  const parts = ref.split('.');
  return parts[0] === 'steps' ? parts[1] : undefined;
}

function dig(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Looks a reference up in the scope chain; undefined when nothing has that name (yet). */
export function lookup(ref: string, scope: Scope): ScopeValue | undefined {
  const [head, ...rest] = ref.split('.');
  if (head === 'params') return { value: dig(scope.params, rest) };
  if (head === 'steps') {
    const [id, field, ...path] = rest;
    if (!id || field !== 'output') return undefined;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = s.outputs.get(id);
      if (found) return { ...found, value: dig(found.value, path) };
    }
    return undefined;
  }
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const found = head ? s.vars[head] : undefined;
    if (found) return { ...found, value: dig(found.value, rest) };
  }
  return undefined;
}

/** A value as text: strings as they are, lists one item per paragraph, objects as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(asText).join('\n\n');
  return JSON.stringify(value);
}

const FRAME_END = '<<<end_untrusted_content>>>';

/** Outside text inside a model's task: framed as data, and it cannot close its own frame. */
export function frameUntrusted(text: string, source: string): string {
  const safe = text.replaceAll('<<<', '‹‹‹').replaceAll('>>>', '›››');
  return `<<<untrusted_content source="${source.replace(/"/g, "'")}">>>\n${safe}\n${FRAME_END}`;
}

/**
 * Renders a template to text. With `frame`, values that carry untrusted text are framed as data (a model's task);
 * otherwise they go in as they are (a post the user reads). `sources` collects the untrusted sources used.
 */
export function render(
  template: string,
  scope: Scope,
  options: { frame?: boolean; sources?: Set<string> } = {},
): string {
  return template.replace(REF, (_all, ref: string) => {
    const found = lookup(ref, scope);
    if (!found) return '';
    const text = asText(found.value);
    if (found.untrusted === undefined) return text;
    options.sources?.add(found.untrusted);
    return options.frame ? frameUntrusted(text, found.untrusted) : text;
  });
}

/**
 * A template that is one reference alone gives its raw value (a list stays a list); anything else renders to text.
 * Used for tool arguments and forEach items.
 */
export function renderValue(template: string, scope: Scope, sources?: Set<string>): unknown {
  const whole = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/.exec(template);
  if (whole?.[1]) {
    const found = lookup(whole[1], scope);
    if (found?.untrusted !== undefined) sources?.add(found.untrusted);
    return found?.value;
  }
  return render(template, scope, sources ? { sources } : {});
}

/** Renders every string inside tool arguments (nested objects and arrays too). */
export function renderArgs(args: unknown, scope: Scope, sources: Set<string>): unknown {
  if (typeof args === 'string') return renderValue(args, scope, sources);
  if (Array.isArray(args)) return args.map((a) => renderArgs(a, scope, sources));
  if (typeof args === 'object' && args !== null)
    return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, renderArgs(v, scope, sources)]));
  return args;
}

/** Every template string inside tool arguments (for the load-time check). */
export function templatesIn(args: unknown): string[] {
  if (typeof args === 'string') return [args];
  if (Array.isArray(args)) return args.flatMap(templatesIn);
  if (typeof args === 'object' && args !== null) return Object.values(args).flatMap(templatesIn);
  return [];
}

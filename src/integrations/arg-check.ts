/**
 * A light check of a model's arguments against an MCP tool's own JSON Schema, before the call leaves the process:
 * types, required fields, enums and constants, nested objects and arrays, local `$ref`s, and `anyOf`/`oneOf`/`allOf`.
 * Not a full validator (no formats, patterns or numeric ranges): the server validates for real; this catches the
 * model's usual mistakes (a missing field, a number as text) with an error it can act on, without a round trip.
 * A hand-written walk over the schema, rather than a JSON Schema → zod translation, because the schema is only known
 * at run time and the walk names each problem by its path directly.
 */

type Json = Record<string, unknown>;

const MAX_ISSUES = 10;
const MAX_DEPTH = 20;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  if (expected === 'number') return actual === 'number' || actual === 'integer';
  return expected === actual;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function resolveRef(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    if (!isObj(node)) return undefined;
    node = node[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return isObj(node) ? node : undefined;
}

function checkNode(schema: unknown, value: unknown, path: string, root: Json, issues: string[], depth: number): void {
  if (!isObj(schema) || issues.length >= MAX_ISSUES || depth > MAX_DEPTH) return;
  const where = path || '(arguments)';
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(root, schema.$ref);
    if (target) checkNode(target, value, path, root, issues, depth + 1);
    return;
  }
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => typeof t === 'string');
    if (types.length > 0 && !types.some((t) => typeMatches(t, value))) {
      issues.push(`${where}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => sameJson(e, value)))
    issues.push(`${where}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if ('const' in schema && !sameJson(schema.const, value))
    issues.push(`${where}: must be ${JSON.stringify(schema.const)}`);
  for (const part of Array.isArray(schema.allOf) ? schema.allOf : [])
    checkNode(part, value, path, root, issues, depth + 1);
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    const passes = variants.some((v) => {
      const own: string[] = [];
      checkNode(v, value, path, root, own, depth + 1);
      return own.length === 0;
    });
    if (!passes) issues.push(`${where}: matches none of the allowed forms`);
  }
  if (isObj(value)) checkObject(schema, value, path, root, issues, depth);
  if (Array.isArray(value) && isObj(schema.items))
    value.forEach((item, i) => {
      checkNode(schema.items, item, `${path}[${i}]`, root, issues, depth + 1);
    });
}

function checkObject(schema: Json, value: Json, path: string, root: Json, issues: string[], depth: number): void {
  const prefix = path ? `${path}.` : '';
  if (Array.isArray(schema.required))
    for (const name of schema.required)
      if (typeof name === 'string' && value[name] === undefined) issues.push(`${prefix}${name}: required`);
  if (isObj(schema.properties))
    for (const [name, sub] of Object.entries(schema.properties))
      if (value[name] !== undefined) checkNode(sub, value[name], `${prefix}${name}`, root, issues, depth + 1);
}

/** Problems of `args` against `schema`, one short line each (at most 10); empty when the arguments pass. */
export function checkArgs(schema: unknown, args: unknown): string[] {
  const root = isObj(schema) ? schema : {};
  const issues: string[] = [];
  checkNode(root, args, '', root, issues, 0);
  return issues;
}

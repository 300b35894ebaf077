/**
 * MCP tools describe their arguments with any JSON Schema; Gemini's function declarations take a subset. This turns
 * one into the other: local `$ref`s are inlined (recursion cut after a few levels), `oneOf` becomes `anyOf`, `allOf`
 * is merged, `const` becomes a one-value `enum`, type lists pick their non-null type, and keywords Gemini rejects
 * (`$schema`, `$defs`, `additionalProperties`, `patternProperties`, `if`/`then`/`else`, `not`, tuple forms…) are
 * dropped. A root that is not an object is wrapped as `{ value }` (`wrapped: true`; the call unwraps it).
 */

type Json = Record<string, unknown>;

/** Keywords passed through unchanged (besides the structural ones handled below). */
const KEEP = new Set([
  'description',
  'format',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'pattern',
  'default',
]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** How deep a recursive `$ref` is followed before it is cut to a plain described object. */
const MAX_REF_DEPTH = 3;
const MAX_DEPTH = 12;

/** The converted schema; `wrapped` when the tool's own root was not an object (its arguments go in `value`). */
export interface GeminiParameters {
  schema: Json;
  wrapped: boolean;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lookupRef(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(node)) return undefined;
    node = node[key];
  }
  return isObj(node) ? node : undefined;
}

/**
 * The first non-null type of a type list (`["string", "null"]` → `string`). "May be null" is dropped: the model leaves
 * such a field out, and JSON Schema has no `nullable` for Gemini to read.
 */
function pickType(type: unknown): { type?: string } {
  if (typeof type === 'string') return TYPES.has(type) && type !== 'null' ? { type } : {};
  if (!Array.isArray(type)) return {};
  const real = type.filter((t): t is string => typeof t === 'string' && TYPES.has(t) && t !== 'null');
  return real[0] ? { type: real[0] } : {};
}

/** Merges `allOf` parts into one object schema (properties and required unioned). */
function mergeAllOf(parts: Json[]): Json {
  const out: Json = {};
  const properties: Json = {};
  const required = new Set<string>();
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      if (k === 'properties' && isObj(v)) Object.assign(properties, v);
      else if (k === 'required' && Array.isArray(v))
        for (const r of v)
          if (typeof r === 'string') required.add(r);
          else if (!(k in out)) out[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (required.size > 0) out.required = [...required];
  return out;
}

/** Enum values Gemini accepts: strings (other scalars are described instead). */
function convertEnum(values: unknown[], out: Json): void {
  if (values.every((v) => typeof v === 'string')) {
    out.enum = values;
    if (!out.type) out.type = 'string';
    return;
  }
  const list = values.map((v) => JSON.stringify(v)).join(', ');
  out.description = `${typeof out.description === 'string' ? `${out.description} ` : ''}(one of: ${list})`.trim();
}

function convertNode(node: unknown, root: Json, refs: string[], depth: number): Json {
  if (!isObj(node) || depth > MAX_DEPTH) return {};
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    const target = lookupRef(root, ref);
    const seen = refs.filter((r) => r === ref).length;
    if (!target || seen >= MAX_REF_DEPTH) {
      const text = typeof node.description === 'string' ? node.description : `a ${ref.split('/').pop()} value`;
      return { type: 'object', description: text };
    }
    const { $ref: _ref, ...rest } = node;
    return convertNode({ ...target, ...rest }, root, [...refs, ref], depth + 1);
  }
  if (Array.isArray(node.allOf)) {
    const { allOf, ...rest } = node;
    const parts = (allOf as unknown[]).map((p) => convertNode(p, root, refs, depth + 1));
    return convertNode(mergeAllOf([rest, ...parts]), root, refs, depth + 1);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (KEEP.has(k)) out[k] = v;
  const picked = pickType(node.type);
  if (picked.type) out.type = picked.type;
  const variants = node.anyOf ?? node.oneOf;
  if (Array.isArray(variants)) {
    const converted = variants
      .filter((v) => !(isObj(v) && v.type === 'null'))
      .map((v) => convertNode(v, root, refs, depth + 1));
    if (converted.length === 1)
      Object.assign(out, converted[0], out.description ? { description: out.description } : {});
    else if (converted.length > 1) out.anyOf = converted;
  }
  if ('const' in node) convertEnum([node.const], out);
  if (Array.isArray(node.enum)) convertEnum(node.enum, out);
  if (isObj(node.properties)) {
    const properties: Json = {};
    for (const [k, v] of Object.entries(node.properties)) properties[k] = convertNode(v, root, refs, depth + 1);
    out.properties = properties;
    if (!out.type) out.type = 'object';
  }
  if (Array.isArray(node.required)) {
    const names = Object.keys((out.properties as Json | undefined) ?? {});
    const required = node.required.filter((r): r is string => typeof r === 'string' && names.includes(r));
    if (required.length > 0) out.required = required;
  }
  if (out.type === 'array' || node.items !== undefined) {
    out.type = 'array';
    const items = Array.isArray(node.items) ? node.items[0] : node.items;
    out.items = isObj(items) ? convertNode(items, root, refs, depth + 1) : { type: 'string' };
  }
  if (
    out.type === 'string' &&
    typeof out.format === 'string' &&
    !['date-time', 'date', 'time', 'enum'].includes(out.format)
  )
    delete out.format;
  if (out.type !== 'string') delete out.format;
  if (!out.type && !out.anyOf) out.type = 'string';
  return out;
}

/** Merges the object variants of a root `anyOf`/`oneOf` into one object (required: what every variant requires). */
function flattenRootVariants(root: Json, variants: unknown[]): Json {
  const objects = variants.map((v) => convertNode(v, root, [], 1)).filter((v) => v.type === 'object');
  const properties: Json = {};
  for (const v of objects) Object.assign(properties, v.properties ?? {});
  const requiredBy = objects.map((v) => new Set((v.required as string[] | undefined) ?? []));
  const required = Object.keys(properties).filter((k) => requiredBy.length > 0 && requiredBy.every((r) => r.has(k)));
  const description = typeof root.description === 'string' ? root.description : undefined;
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(description ? { description } : {}),
  };
}

/** Converts a tool's input JSON Schema into parameters Gemini accepts (always an object schema). */
export function toGeminiParameters(input: unknown): GeminiParameters {
  const root = isObj(input) ? input : {};
  // No type at all (`{}`): a tool without arguments.
  if (!('type' in root) && !root.properties && !root.$ref && !root.allOf && !root.anyOf && !root.oneOf)
    return { schema: { type: 'object', properties: {} }, wrapped: false };
  const variants = root.anyOf ?? root.oneOf;
  if (Array.isArray(variants) && root.properties === undefined)
    return { schema: flattenRootVariants(root, variants), wrapped: false };
  const converted = convertNode(root, root, [], 0);
  if (converted.type === 'object') {
    if (!converted.properties) converted.properties = {};
    return { schema: converted, wrapped: false };
  }
  return { schema: { type: 'object', properties: { value: converted }, required: ['value'] }, wrapped: true };
}

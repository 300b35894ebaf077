/**
 * A readable summary of a call's arguments for the person who decides. Nothing is cut silently: URLs are left to
 * the prompt (shown whole), other arguments are shown in full up to a generous limit, and anything shortened says so.
 */

/** Per-argument and whole-summary limits for non-URL arguments (plain text). */
const MAX_VALUE_CHARS = 2000;
const MAX_SUMMARY_CHARS = 3000;
const MAX_KEYS = 10;

/** The text with whitespace flattened, cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True for a string argument that is (or pretends to be) an http(s) URL: the prompt shows those whole, apart. */
export function isUrlArg(value: unknown): value is string {
  return typeof value === 'string' && /^\s*https?:\/\//i.test(value);
}

/** A value in full (whitespace flattened), or its first `max` characters and how long it really is. */
function fullOrCounted(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, max)}… [shortened: ${flat.length.toLocaleString('en-US')} characters in all]`;
}

/**
 * A readable summary of tool arguments: `key: value` lines, values in full up to 2,000 characters each (a longer one
 * says how long it is). URL arguments are left out: the prompt shows them whole from the stored arguments.
 * Empty when every argument is a URL. Plain text.
 */
export function summarizeArgs(args: Record<string, unknown>): string {
  const entries = Object.entries(args).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return '(no arguments)';
  const shown = entries.filter(([, v]) => !isUrlArg(v));
  const lines: string[] = [];
  let used = 0;
  let hidden = 0;
  for (const [k, v] of shown.slice(0, MAX_KEYS)) {
    const line = `${clip(k, 32)}: ${fullOrCounted(describeValue(v), MAX_VALUE_CHARS)}`;
    if (used + line.length > MAX_SUMMARY_CHARS && lines.length > 0) {
      hidden += 1;
      continue;
    }
    lines.push(line);
    used += line.length + 1;
  }
  hidden += Math.max(0, shown.length - MAX_KEYS);
  if (hidden > 0) lines.push(`… and ${hidden} more argument${hidden === 1 ? '' : 's'} not shown`);
  return lines.join('\n');
}

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line is a `# HELP`, a `# TYPE`
 * or a sample `name{label="value",…} value [timestamp]`; a sample's family must have been typed first. Throws on
 * the first line that isn't; returns the samples and each family's type.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The family a sample belongs to (histogram/summary samples carry a suffix). */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (base && (types.get(base) === 'histogram' || types.get(base) === 'summary')) return base;
  }
  return undefined;
}

export function parsePrometheusText(text: string): { samples: PromSample[]; types: Map<string, string> } {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (!new RegExp(`^${NAME}$`).test(meta[2] ?? '')) throw new Error(`bad metric name, ${where}`);
      if (meta[1] === 'TYPE') {
        if (!TYPES.has(meta[3] ?? '')) throw new Error(`unknown type, ${where}`);
        if (types.has(meta[2] ?? '')) throw new Error(`family typed twice, ${where}`);
        types.set(meta[2] ?? '', meta[3] ?? '');
      }
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const name = m[1] ?? '';
    if (!familyOf(name, types)) throw new Error(`sample before its # TYPE, ${where}`);
    const valueText = m[m.length - 2] ?? '';
    if (!VALUE.test(valueText)) throw new Error(`bad value, ${where}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(new RegExp(LABEL, 'g'))) labels[l[1] ?? ''] = l[2] ?? '';
    samples.push({ name, labels, value: Number(valueText.replace('Inf', 'Infinity')) });
  });
  return { samples, types };
}

import type { CodeRun, OutputFile } from '../core/turn.ts';
import type { CodeOutcome, Content, Part } from '../llm/types.ts';

/** What the provider's code execution left in a run: the code with its results, and the files it produced. */
export interface CodeWork {
  runs: CodeRun[];
  files: OutputFile[];
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/svg+xml': 'svg',
  'image/webp': 'webp',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'application/json': 'json',
  'application/pdf': 'pdf',
};

function fileName(index: number, mimeType: string): string {
  return `result-${index}.${EXTENSIONS[mimeType.toLowerCase()] ?? 'bin'}`;
}

/**
 * Adds the code runs and produced files of one model turn's parts to `into` (a new CodeWork when absent and there is
 * something). A file is inline data the model returned after code it ran; its name is made up (`result-1.png`).
 */
export function addCodeWork(into: CodeWork | undefined, parts: readonly Part[]): CodeWork | undefined {
  let work = into;
  let afterCode = false;
  for (const p of parts) {
    if ('executableCode' in p) {
      work ??= { runs: [], files: [] };
      work.runs.push({ language: p.executableCode.language, code: p.executableCode.code });
      afterCode = true;
    } else if ('codeExecutionResult' in p) {
      work ??= { runs: [], files: [] };
      const last = work.runs[work.runs.length - 1];
      const run: CodeRun = last && last.outcome === undefined ? last : { language: 'PYTHON', code: '' };
      if (run !== last) work.runs.push(run);
      run.outcome = p.codeExecutionResult.outcome;
      if (p.codeExecutionResult.output) run.output = p.codeExecutionResult.output;
      afterCode = true;
    } else if ('inlineData' in p && afterCode && p.inlineData.data) {
      work ??= { runs: [], files: [] };
      const { mimeType, data } = p.inlineData;
      work.files.push({ name: fileName(work.files.length + 1, mimeType), mimeType, data });
    }
  }
  return work;
}

/** Merges a sub-agent's code work into the caller's (in place when `a` exists). */
export function mergeCodeWork(a: CodeWork | undefined, b: CodeWork | undefined): CodeWork | undefined {
  if (!b) return a;
  if (!a) return { runs: [...b.runs], files: [...b.files] };
  a.runs.push(...b.runs);
  for (const f of b.files) a.files.push({ ...f, name: fileName(a.files.length + 1, f.mimeType) });
  return a;
}

/**
 * The code runs as one model content (code and results, no file bytes), kept with the stored answer so "Show code"
 * can show it later; undefined when there was no code.
 */
export function codeContent(runs: readonly CodeRun[] | undefined): Content | undefined {
  if (!runs || runs.length === 0) return undefined;
  const parts: Part[] = [];
  for (const r of runs) {
    if (r.code) parts.push({ executableCode: { language: r.language, code: r.code } });
    if (r.outcome)
      parts.push({
        codeExecutionResult: {
          outcome: r.outcome as CodeOutcome,
          ...(r.output ? { output: r.output } : {}),
        },
      });
  }
  return parts.length > 0 ? { role: 'model', parts } : undefined;
}

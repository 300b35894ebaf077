import { z } from 'zod';
import type { CodeRun } from '../core/turn.ts';
import type { Store } from '../store/db.ts';

const codePart = z.object({ executableCode: z.object({ language: z.string(), code: z.string() }) });
const resultPart = z.object({
  codeExecutionResult: z.object({ outcome: z.string(), output: z.string().optional() }),
});
const contentsSchema = z.array(z.object({ role: z.string(), parts: z.array(z.unknown()) }));

/** The code runs in stored model contents (JSON), in order; [] when the JSON holds none or is not contents. */
export function codeRunsOf(json: string): CodeRun[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  const parsed = contentsSchema.safeParse(raw);
  if (!parsed.success) return [];
  const runs: CodeRun[] = [];
  for (const c of parsed.data) {
    if (c.role !== 'model') continue;
    for (const part of c.parts) {
      const code = codePart.safeParse(part);
      if (code.success) {
        runs.push({ language: code.data.executableCode.language, code: code.data.executableCode.code });
        continue;
      }
      const result = resultPart.safeParse(part);
      if (!result.success) continue;
      const last = runs[runs.length - 1];
      const run = last && last.outcome === undefined ? last : { language: 'PYTHON', code: '' };
      if (run !== last) runs.push(run);
      run.outcome = result.data.codeExecutionResult.outcome;
      if (result.data.codeExecutionResult.output) run.output = result.data.codeExecutionResult.output;
    }
  }
  return runs;
}

/**
 * The code a turn's stored answer ran in a chat ("Show code"); undefined when the answer is no longer stored
 * (forgotten, wiped, pruned, or too long to keep with it).
 */
export async function storedCodeOf(store: Store, chatId: number, turnId: string): Promise<CodeRun[] | undefined> {
  const rows = await store.query(
    "SELECT contents FROM memory_messages WHERE chat_id = ? AND turn_id = ? AND role = 'model' AND contents IS NOT NULL ORDER BY id",
    [chatId, turnId],
  );
  if (rows.length === 0) return undefined;
  const runs = rows.flatMap((r) => codeRunsOf(String(r.contents)));
  return runs.length > 0 ? runs : undefined;
}

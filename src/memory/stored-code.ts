import { z } from 'zod';
import type { CodeRun } from '../core/turn.ts';
import type { Store } from '../store/db.ts';

/** The code parts of stored model contents (`memory_messages.contents`); other parts are skipped. */
const partSchema = z.union([
  z.object({ executableCode: z.object({ language: z.string(), code: z.string() }) }),
  z.object({ codeExecutionResult: z.object({ outcome: z.string(), output: z.string().optional() }) }),
  z.unknown(),
]);
const contentsSchema = z.array(z.object({ role: z.string(), parts: z.array(partSchema) }));

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
    for (const p of c.parts) {
      if (typeof p !== 'object' || p === null) continue;
      if ('executableCode' in p) {
        const { language, code } = p.executableCode as { language: string; code: string };
        runs.push({ language, code });
      } else if ('codeExecutionResult' in p) {
        const r = p.codeExecutionResult as { outcome: string; output?: string };
        const last = runs[runs.length - 1];
        const run = last && last.outcome === undefined ? last : { language: 'PYTHON', code: '' };
        if (run !== last) runs.push(run);
        run.outcome = r.outcome;
        if (r.output) run.output = r.output;
      }
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

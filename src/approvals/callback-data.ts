import { z } from 'zod';

/**
 * Approval buttons carry only an opaque id and an action: `ap:<id>:y|n|a|d` (approve, deny, always allow, details)
 * and `q:<id>:<option index>`. Everything else lives in the database. Always ≤ 64 bytes.
 */
export type CallbackAction =
  | { kind: 'ap'; id: string; action: 'y' | 'n' | 'a' | 'd' }
  | { kind: 'q'; id: string; index: number };

const id = z.string().regex(/^[0-9A-Za-z_-]{6,40}$/);

const callbackSchema = z
  .string()
  .max(64)
  .transform((data, ctx) => {
    const parts = data.split(':');
    if (parts.length !== 3) {
      ctx.addIssue({ code: 'custom', message: 'expected three parts' });
      return z.NEVER;
    }
    const [kind, rawId, rawAction] = parts as [string, string, string];
    return { kind, id: rawId, action: rawAction };
  })
  .pipe(
    z.union([
      z.object({ kind: z.literal('ap'), id, action: z.enum(['y', 'n', 'a', 'd']) }),
      z
        .object({ kind: z.literal('q'), id, action: z.string().regex(/^[0-5]$/) })
        .transform(({ kind, id: qid, action }) => ({ kind, id: qid, index: Number(action) })),
    ]),
  );

/** Parses untrusted callback data; undefined for anything that is not a well-formed approvals button. */
export function parseCallback(data: string | undefined): CallbackAction | undefined {
  if (data === undefined) return undefined;
  const parsed = callbackSchema.safeParse(data);
  return parsed.success ? (parsed.data as CallbackAction) : undefined;
}

/** Builds callback data; throws if it would exceed Telegram's 64-byte limit (ids are short, so it never should). */
export function encodeCallback(action: CallbackAction): string {
  const data = action.kind === 'ap' ? `ap:${action.id}:${action.action}` : `q:${action.id}:${action.index}`;
  if (Buffer.byteLength(data, 'utf8') > 64) throw new Error(`callback data too long: ${data.length} bytes`);
  return data;
}

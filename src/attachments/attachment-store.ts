import type { Store, WriteTx } from '../store/db.ts';
import { attachInline, referencedHashes } from './inline-refs.ts';

/** Stores each file once (by content hash) and records that `runId` needs it. Call inside the run's own write. */
export async function saveRunFiles(
  tx: WriteTx,
  runId: string,
  userId: number,
  files: Map<string, Uint8Array>,
  now: number,
): Promise<void> {
  for (const [hash, bytes] of files) {
    await tx.run('INSERT OR IGNORE INTO attachments (hash, bytes, data, created_at) VALUES (?, ?, ?, ?)', [
      hash,
      bytes.byteLength,
      bytes,
      now,
    ]);
    await tx.run('INSERT OR IGNORE INTO attachment_refs (run_id, hash, user_id, created_at) VALUES (?, ?, ?, ?)', [
      runId,
      hash,
      userId,
      now,
    ]);
  }
}

function toBase64(blob: unknown): string {
  if (blob instanceof ArrayBuffer) return Buffer.from(blob).toString('base64');
  if (ArrayBuffer.isView(blob)) return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64');
  return String(blob);
}

/** Swaps the file references in `value` (parsed run state) back for their bytes; see `attachInline`. */
export async function loadRunFiles<T>(store: Store, value: T): Promise<T> {
  const hashes = [...referencedHashes(value)];
  if (hashes.length === 0) return value;
  const rows = await store.query(
    `SELECT hash, data FROM attachments WHERE hash IN (${hashes.map(() => '?').join(',')})`,
    hashes,
  );
  return attachInline(value, new Map(rows.map((r) => [String(r.hash), toBase64(r.data)])));
}

/** Reading FTS5's own bookkeeping of the knowledge keyword index, for tests and the bench. */
import type { Store } from '../../src/store/db.ts';

/**
 * Segments of the knowledge FTS5 index, from its structure record (row 10 of `knowledge_fts_data`, fts5_index.c):
 * a 4-byte cookie, an optional 4-byte version-2 marker, then varints: levels, segments.
 */
export async function keywordSegments(store: Store): Promise<number> {
  const row = await store.get('SELECT block FROM knowledge_fts_data WHERE id = 10');
  if (!row) return 0;
  const b = new Uint8Array(row.block as ArrayBuffer);
  let i = b[4] === 0xff && b[5] === 0 && b[6] === 0 && b[7] === 1 ? 8 : 4;
  const varint = (): number => {
    // SQLite's varint: big-endian groups of 7 bits, the high bit set on all but the last byte.
    let v = 0;
    for (;;) {
      const c = b[i++] ?? 0;
      v = v * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) return v;
    }
  };
  varint(); // levels
  return varint();
}

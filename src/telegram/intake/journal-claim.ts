import type { Store } from '../../store/db.ts';
import { ENTRY_COLUMNS, IN_JSON, type JournalEntry, UNFINISHED, chunks, toEntry } from './journal-rows.ts';

/** Who claims, and what it already holds. */
export interface ClaimContext {
  store: Store;
  instanceId: string;
  leaseMs: number;
  /** Rows this instance holds already: never returned. */
  holding: ReadonlySet<number>;
}

/**
 * Takes over unfinished rows whose lease expired, that have no owner, or whose owner is in `dead` (compare-and-set
 * in one write transaction; dead owners' records are deleted). Returns the taken rows oldest first.
 */
export async function claimRows(ctx: ClaimContext, dead: string[], now: number): Promise<JournalEntry[]> {
  const { store, instanceId, leaseMs, holding } = ctx;
  const claimable = `${UNFINISHED} AND (lease_until <= ? OR owner IS NULL${dead.length > 0 ? ` OR owner IN ${IN_JSON}` : ''})`;
  const deadArgs = dead.length > 0 ? [JSON.stringify(dead)] : [];
  if (dead.length === 0) {
    // The common case (nothing orphaned): a read, no write lock taken every scan.
    const candidates = await store.query(`SELECT update_id FROM updates WHERE ${claimable}`, [now]);
    if (candidates.every((r) => holding.has(Number(r.update_id)))) return [];
  }
  return store.write(async (tx) => {
    const rows = await tx.query(`SELECT ${ENTRY_COLUMNS} FROM updates WHERE ${claimable} ORDER BY update_id`, [
      now,
      ...deadArgs,
    ]);
    const ids = rows.map((r) => Number(r.update_id)).filter((id) => !holding.has(id));
    const taken = new Set<number>();
    for (const part of chunks(ids)) {
      // Compare-and-set: the claim condition is checked again by the UPDATE itself.
      const got = await tx.query(
        `UPDATE updates SET owner = ?, lease_until = ? WHERE update_id IN ${IN_JSON} AND ${claimable} RETURNING update_id`,
        [instanceId, now + leaseMs, JSON.stringify(part), now, ...deadArgs],
      );
      for (const g of got) taken.add(Number(g.update_id));
    }
    if (dead.length > 0) await tx.run(`DELETE FROM journal_instances WHERE id IN ${IN_JSON}`, deadArgs);
    return rows.filter((r) => taken.has(Number(r.update_id))).map(toEntry);
  });
}

import type { Store } from '../store/db.ts';

/** Approvals and questions waiting for a person (not yet expired or decided). */
export async function pendingApprovalCount(store: Store): Promise<number> {
  const row = await store.get(`SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'`);
  return Number(row?.n ?? 0);
}

/** The database's size in bytes (pages × page size); undefined when the engine can't say. */
export async function databaseSizeBytes(store: Store): Promise<number | undefined> {
  try {
    const row = await store.get('SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()');
    const size = Number(row?.size);
    return Number.isFinite(size) ? size : undefined;
  } catch {
    return undefined;
  }
}

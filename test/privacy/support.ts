/** Helpers for the /wipe and /export tests: where a phrase survives, in rows and in the database files. */
import { existsSync, readFileSync } from 'node:fs';
import type { Store } from '../../src/store/db.ts';

/** Every `table.column` whose value (text or blob, any case) contains `phrase`, with the number of rows. */
export async function rowsMentioning(store: Store, phrase: string): Promise<string[]> {
  const tables = await store.query(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const hits: string[] = [];
  for (const t of tables) {
    const table = String(t.name);
    for (const c of await store.query(`SELECT name FROM pragma_table_info('${table}')`)) {
      const column = String(c.name);
      const row = await store.get(
        `SELECT COUNT(*) AS n FROM "${table}" WHERE instr(lower(CAST("${column}" AS TEXT)), lower(?)) > 0`,
        [phrase],
      );
      if (Number(row?.n ?? 0) > 0) hits.push(`${table}.${column} (${Number(row?.n)} rows)`);
    }
  }
  return hits;
}

/** Which of the database file and its WAL contain `phrase` as raw bytes (deleted rows included). */
export function filesMentioning(dbPath: string, phrase: string): string[] {
  return [dbPath, `${dbPath}-wal`].filter(
    (p) => existsSync(p) && readFileSync(p).includes(Buffer.from(phrase, 'utf8')),
  );
}

/** Bytes stored in every column of every table (LENGTH of text and blobs). */
export async function storedBytes(store: Store): Promise<number> {
  const tables = await store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  let total = 0;
  for (const t of tables) {
    const table = String(t.name);
    const columns = (await store.query(`SELECT name FROM pragma_table_info('${table}')`)).map(
      (c) => `COALESCE(LENGTH("${String(c.name)}"), 0)`,
    );
    const row = await store.get(`SELECT COALESCE(SUM(${columns.join(' + ')}), 0) AS n FROM "${table}"`);
    total += Number(row?.n ?? 0);
  }
  return total;
}

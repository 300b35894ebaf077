import type { Row, Statement, Store, WriteTx } from '../store/db.ts';
import { type FactCategory, type FactRecord, type FactSource, factCategorySchema } from './fact.ts';
import { vectorNorm } from './fact-rules.ts';
import { decodeVector, vectorFromBlob } from '../vectors/vectors.ts';

const FACT_COLUMNS =
  'id, scope, user_id, chat_id, text, category, confidence, source, created_at, confirmed_at, embedding, deleted_at';

/** A stored BLOB as bytes (the driver returns ArrayBuffer or Uint8Array), or null. */
export function blobOf(v: unknown): Uint8Array | null {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : v instanceof Uint8Array ? v : null;
}

/** Maps a `memory_facts` row (FACT_COLUMNS) to a record; an unknown category reads as 'other'. */
function toRecord(r: Row): FactRecord {
  const category = factCategorySchema.safeParse(r.category);
  const decoded = r.embedding == null ? undefined : decodeVector(r.embedding);
  return {
    id: String(r.id),
    scope: String(r.scope),
    userId: Number(r.user_id),
    chatId: Number(r.chat_id),
    text: String(r.text),
    category: category.success ? category.data : 'other',
    confidence: Number(r.confidence),
    source: r.source === 'explicit' ? 'explicit' : 'extracted',
    createdAt: Number(r.created_at),
    confirmedAt: Number(r.confirmed_at),
    deletedAt: r.deleted_at == null ? undefined : Number(r.deleted_at),
    codes: decoded?.codes,
    norm: decoded ? vectorNorm(decoded.codes) : 0,
  };
}

/** How `add` changes the table: supersede some facts, then update a duplicate or insert a new fact. */
export interface FactWrite {
  scope: string;
  now: number;
  targetId: string;
  supersededIds: string[];
  blob: Uint8Array | null;
  text: string;
  category: FactCategory;
  confidence: number;
  source: FactSource;
  /** Update of an existing duplicate, or an insert of a new fact. */
  kind: 'update' | 'insert';
  insert?: { userId: number; chatId: number; sourceMessageId: number | null };
}

function writeStatements(w: FactWrite): Statement[] {
  const statements: Statement[] = w.supersededIds.map((id) => ({
    sql: 'UPDATE memory_facts SET superseded_by = ?, superseded_at = ?, updated_at = ? WHERE id = ?',
    args: [w.targetId, w.now, w.now, id],
  }));
  if (w.kind === 'update') {
    statements.push({
      sql: `UPDATE memory_facts SET text = ?, category = ?, confidence = ?, source = ?, embedding = COALESCE(?, embedding),
            confirmed_at = ?, updated_at = ? WHERE id = ?`,
      args: [w.text, w.category, w.confidence, w.source, w.blob, w.now, w.now, w.targetId],
    });
  } else {
    const ins = w.insert ?? { userId: 0, chatId: 0, sourceMessageId: null };
    statements.push({
      sql: `INSERT INTO memory_facts (id, scope, user_id, chat_id, text, category, confidence, source, source_message_id,
            embedding, created_at, confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        w.targetId,
        w.scope,
        ins.userId,
        ins.chatId,
        w.text,
        w.category,
        w.confidence,
        w.source,
        ins.sourceMessageId,
        w.blob,
        w.now,
        w.now,
        w.now,
      ],
    });
  }
  return statements;
}

/** SQL of `memory_facts`, `memory_fact_versions` and `memory_tombstones`, returning typed records. */
export function createFactStore(store: Store) {
  async function versionOf(scope: string, tx?: WriteTx): Promise<number> {
    const sql = 'SELECT version FROM memory_fact_versions WHERE scope = ?';
    const row = tx ? (await tx.query(sql, [scope]))[0] : await store.get(sql, [scope]);
    return row ? Number(row.version) : 0;
  }

  async function byIds(ids: string[]): Promise<FactRecord[]> {
    if (ids.length === 0) return [];
    const rows = await store.query(
      `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    return rows.map(toRecord);
  }

  return {
    /** The scope's version, bumped by triggers on any write to its facts (from any process). */
    versionOf,

    /** The scope's active facts (not superseded, not forgotten) in (created_at, id) order. */
    async active(scope: string): Promise<FactRecord[]> {
      const rows = await store.query(
        `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE scope = ? AND superseded_at IS NULL AND deleted_at IS NULL ORDER BY created_at, id`,
        [scope],
      );
      return rows.map(toRecord);
    },

    byIds,

    async byId(id: string): Promise<FactRecord | undefined> {
      const row = await store.get(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [id]);
      return row ? toRecord(row) : undefined;
    },

    async liftTombstone(scope: string, text: string): Promise<void> {
      await store.run('DELETE FROM memory_tombstones WHERE scope = ? AND text = ?', [scope, text]);
    },

    async tombstones(scope: string): Promise<{ text: string; vec: Float32Array | undefined }[]> {
      const rows = await store.query('SELECT text, embedding FROM memory_tombstones WHERE scope = ?', [scope]);
      return rows.map((r) => ({
        text: String(r.text),
        vec: r.embedding == null ? undefined : vectorFromBlob(r.embedding),
      }));
    },

    /** Applies `w` in one transaction; returns the written fact and the scope's version before and after. */
    async write(w: FactWrite): Promise<{ record: FactRecord; before: number; after: number }> {
      const statements = writeStatements(w);
      const { row, before, after } = await store.write(async (tx) => {
        const before = await versionOf(w.scope, tx);
        for (const s of statements) await tx.run(s.sql, s.args);
        const row = (await tx.query(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [w.targetId]))[0];
        return { row, before, after: await versionOf(w.scope, tx) };
      });
      if (!row) throw new Error(`fact ${w.targetId} vanished after write`);
      return { record: toRecord(row), before, after };
    },

    /** Deletes the user's facts (and the versions they superseded), tombstoning their texts; returns those deleted. */
    async removeOwned(userId: number, ids: string[], now: number): Promise<FactRecord[]> {
      if (ids.length === 0) return [];
      const rows = (
        await store.query(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id IN (${ids.map(() => '?').join(',')})`, ids)
      ).filter((r) => Number(r.user_id) === userId);
      if (rows.length === 0) return [];
      const statements: Statement[] = [];
      for (const r of rows) {
        const id = String(r.id);
        statements.push(
          {
            sql: 'INSERT INTO memory_tombstones (scope, user_id, text, embedding, created_at) VALUES (?, ?, ?, ?, ?)',
            args: [String(r.scope), userId, String(r.text), blobOf(r.embedding), now],
          },
          { sql: 'DELETE FROM memory_facts WHERE superseded_by = ? AND user_id = ?', args: [id, userId] },
          { sql: 'DELETE FROM memory_facts WHERE id = ? AND user_id = ?', args: [id, userId] },
        );
      }
      await store.batch(statements);
      return rows.map(toRecord);
    },

    async missingEmbeddings(limit: number): Promise<{ id: string; text: string }[]> {
      const rows = await store.query('SELECT id, text FROM memory_facts WHERE embedding IS NULL LIMIT ?', [limit]);
      return rows.map((r) => ({ id: String(r.id), text: String(r.text) }));
    },

    async saveEmbeddings(items: { id: string; blob: Uint8Array }[]): Promise<void> {
      await store.batch(
        items.map((it) => ({
          sql: 'UPDATE memory_facts SET embedding = ? WHERE id = ? AND embedding IS NULL',
          args: [it.blob, it.id],
        })),
      );
    },

    /** Extracted facts last confirmed at or before `cutoff` (candidates for pruning). */
    async extractedConfirmedBefore(cutoff: number): Promise<{ id: string; confidence: number; confirmedAt: number }[]> {
      const rows = await store.query(
        "SELECT id, confidence, confirmed_at FROM memory_facts WHERE source = 'extracted' AND confirmed_at <= ?",
        [cutoff],
      );
      return rows.map((r) => ({
        id: String(r.id),
        confidence: Number(r.confidence),
        confirmedAt: Number(r.confirmed_at),
      }));
    },

    async deleteIds(ids: string[]): Promise<void> {
      await store.batch(ids.map((id) => ({ sql: 'DELETE FROM memory_facts WHERE id = ?', args: [id] })));
    },
  };
}

export type FactStore = ReturnType<typeof createFactStore>;

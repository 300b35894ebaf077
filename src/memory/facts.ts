import { z } from 'zod';
import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Store, Statement } from '../store/db.ts';
import { looksLikeInjection } from './injection.ts';
import { clip, normalizeForMatch } from './text.ts';
import { cosine, encodeVector, vectorFromBlob } from './vectors.ts';

export const FACT_CATEGORIES = ['personal', 'preference', 'work', 'habit', 'relationship', 'health', 'goal', 'other'] as const;
export const factCategorySchema = z.enum(FACT_CATEGORIES);
export type FactCategory = z.infer<typeof factCategorySchema>;

/** Longest fact text kept, in characters. */
export const MAX_FACT_LENGTH = 200;
/** Cosine at or above which a new fact is the same as an existing one (merged). */
export const DUPLICATE_THRESHOLD = 0.85;
/** Cosine at or above which the extractor's `supersedes` text matches an existing fact (replaced). */
export const SUPERSEDE_THRESHOLD = 0.8;

/** A stored fact about a user, in one scope. */
export interface Fact {
  id: string;
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  /** Confidence when last confirmed (0..1). */
  confidence: number;
  /** Confidence after time decay, as of now. */
  effectiveConfidence: number;
  source: 'extracted' | 'explicit';
  createdAt: number;
  confirmedAt: number;
  embedding: Float32Array | undefined;
}

export type AddFactResult =
  | { status: 'added' | 'merged'; fact: Fact; superseded: Fact[] }
  | { status: 'rejected'; reason: 'empty' | 'injection' | 'forgotten' };

export interface FactInput {
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  source: 'extracted' | 'explicit';
  supersedes?: string;
  sourceMessageId?: number;
}

/** Embeds texts for fact comparison; returns undefined when the embedding service is unavailable. */
export type FactEmbedder = (texts: string[]) => Promise<Float32Array[] | undefined>;

const FACT_COLUMNS =
  'id, scope, user_id, chat_id, text, category, confidence, source, created_at, confirmed_at, embedding';

/** Fact storage with dedup, supersede, tombstones and time decay (half-life, computed at read time). */
export function createFacts(deps: {
  store: Store;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  embed: FactEmbedder;
  halfLifeDays: number;
}) {
  const { store, clock, ids, log, embed } = deps;
  const halfLifeMs = deps.halfLifeDays * 86_400_000;

  function effective(confidence: number, confirmedAt: number, source: string): number {
    const age = Math.max(0, clock.now() - confirmedAt);
    // Facts the user explicitly asked to keep fade half as fast.
    const half = source === 'explicit' ? halfLifeMs * 2 : halfLifeMs;
    return confidence * 0.5 ** (age / half);
  }

  function toFact(r: Record<string, unknown>): Fact {
    const category = factCategorySchema.safeParse(r.category);
    const confidence = Number(r.confidence);
    const confirmedAt = Number(r.confirmed_at);
    const source = r.source === 'explicit' ? 'explicit' : 'extracted';
    return {
      id: String(r.id),
      scope: String(r.scope),
      userId: Number(r.user_id),
      chatId: Number(r.chat_id),
      text: String(r.text),
      category: category.success ? category.data : 'other',
      confidence,
      effectiveConfidence: effective(confidence, confirmedAt, source),
      source,
      createdAt: Number(r.created_at),
      confirmedAt,
      embedding: r.embedding == null ? undefined : vectorFromBlob(r.embedding),
    };
  }

  async function active(scope: string): Promise<Fact[]> {
    const rows = await store.query(
      `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE scope = ? AND superseded_at IS NULL ORDER BY created_at, id`,
      [scope],
    );
    return rows.map(toFact);
  }

  async function getMany(idList: string[]): Promise<Fact[]> {
    if (idList.length === 0) return [];
    const rows = await store.query(
      `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id IN (${idList.map(() => '?').join(',')})`,
      idList,
    );
    return rows.map(toFact);
  }

  async function tombstoned(scope: string, text: string, vec: Float32Array | undefined): Promise<boolean> {
    const rows = await store.query('SELECT text, embedding FROM memory_tombstones WHERE scope = ?', [scope]);
    const norm = normalizeForMatch(text);
    for (const r of rows) {
      const t = normalizeForMatch(String(r.text));
      if (t === norm || (t.length >= 8 && norm.includes(t)) || (norm.length >= 8 && t.includes(norm))) return true;
      const tv = r.embedding == null ? undefined : vectorFromBlob(r.embedding);
      if (vec && tv && cosine(vec, tv) >= DUPLICATE_THRESHOLD) return true;
    }
    return false;
  }

  return {
    effective,

    /** Non-superseded facts of a scope, oldest first, with decayed confidence. */
    active,

    /**
     * Validates, filters and stores a fact: refuses injection-like or forgotten text, supersedes matching old facts,
     * merges near-duplicates (cosine ≥ 0.85) and otherwise inserts.
     */
    async add(input: FactInput): Promise<AddFactResult> {
      const text = clip(input.text, MAX_FACT_LENGTH);
      if (text.length < 3) return { status: 'rejected', reason: 'empty' };
      if (looksLikeInjection(text) || (input.supersedes && looksLikeInjection(input.supersedes))) {
        return { status: 'rejected', reason: 'injection' };
      }
      const supersedes = input.supersedes ? clip(input.supersedes, MAX_FACT_LENGTH) : undefined;
      const vecs = await embed(supersedes ? [text, supersedes] : [text]);
      const vec = vecs?.[0];
      const supVec = vecs?.[1];

      if (input.source === 'explicit') {
        // The user asked for this explicitly: lift any earlier "forget" of the same thing.
        await store.run('DELETE FROM memory_tombstones WHERE scope = ? AND text = ?', [input.scope, text]);
      } else if (await tombstoned(input.scope, text, vec)) {
        return { status: 'rejected', reason: 'forgotten' };
      }

      const now = clock.now();
      const existing = await active(input.scope);
      const statements: Statement[] = [];
      const superseded: Fact[] = [];
      const newId = ids();
      if (supersedes) {
        const supNorm = normalizeForMatch(supersedes);
        for (const f of existing) {
          const byVec = supVec && f.embedding ? cosine(supVec, f.embedding) >= SUPERSEDE_THRESHOLD : false;
          if (byVec || normalizeForMatch(f.text) === supNorm) superseded.push(f);
        }
      }
      const supersededIds = new Set(superseded.map((f) => f.id));
      const textNorm = normalizeForMatch(text);
      let duplicate: Fact | undefined;
      let best = -1;
      for (const f of existing) {
        if (supersededIds.has(f.id)) continue;
        const score = vec && f.embedding ? cosine(vec, f.embedding) : normalizeForMatch(f.text) === textNorm ? 1 : 0;
        if (score >= DUPLICATE_THRESHOLD && score > best) {
          best = score;
          duplicate = f;
        }
      }
      const targetId = duplicate?.id ?? newId;
      for (const f of superseded) {
        statements.push({
          sql: 'UPDATE memory_facts SET superseded_by = ?, superseded_at = ?, updated_at = ? WHERE id = ?',
          args: [targetId, now, now, f.id],
        });
      }
      const blob = vec ? encodeVector(vec) : null;
      if (duplicate) {
        const confidence = Math.min(1, Math.max(duplicate.effectiveConfidence, input.source === 'explicit' ? 1 : 0.9) + 0.1);
        const source = duplicate.source === 'explicit' || input.source === 'explicit' ? 'explicit' : 'extracted';
        statements.push({
          sql: `UPDATE memory_facts SET text = ?, category = ?, confidence = ?, source = ?, embedding = COALESCE(?, embedding),
                confirmed_at = ?, updated_at = ? WHERE id = ?`,
          args: [text, input.category, confidence, source, blob, now, now, duplicate.id],
        });
      } else {
        statements.push({
          sql: `INSERT INTO memory_facts (id, scope, user_id, chat_id, text, category, confidence, source, source_message_id,
                embedding, created_at, confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          args: [
            newId,
            input.scope,
            input.userId,
            input.chatId,
            text,
            input.category,
            input.source === 'explicit' ? 1 : 0.9,
            input.source,
            input.sourceMessageId ?? null,
            blob,
            now,
            now,
            now,
          ],
        });
      }
      await store.batch(statements);
      const row = await store.get(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [targetId]);
      if (!row) throw new Error(`fact ${targetId} vanished after write`);
      if (superseded.length > 0) {
        log.info({ scope: input.scope, factId: targetId, superseded: superseded.map((f) => f.id) }, 'fact superseded');
      }
      return { status: duplicate ? 'merged' : 'added', fact: toFact(row), superseded };
    },

    async get(id: string): Promise<Fact | undefined> {
      const row = await store.get(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [id]);
      return row ? toFact(row) : undefined;
    },

    getMany,

    /** One page of a scope's active facts, newest first. */
    async page(scope: string, offset: number, limit: number): Promise<{ facts: Fact[]; total: number }> {
      const total = Number(
        (await store.get('SELECT COUNT(*) AS n FROM memory_facts WHERE scope = ? AND superseded_at IS NULL', [scope]))?.n ?? 0,
      );
      const rows = await store.query(
        `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE scope = ? AND superseded_at IS NULL
         ORDER BY confirmed_at DESC, id LIMIT ? OFFSET ?`,
        [scope, limit, offset],
      );
      return { facts: rows.map(toFact), total };
    },

    /**
     * Deletes facts owned by `userId` (including the versions they superseded) and records tombstones so the same
     * text is not learned again. Returns the facts deleted.
     */
    async remove(userId: number, factIds: string[]): Promise<Fact[]> {
      const facts = (await getMany(factIds)).filter((f) => f.userId === userId);
      if (facts.length === 0) return [];
      const now = clock.now();
      const statements: Statement[] = [];
      for (const f of facts) {
        statements.push({
          sql: 'INSERT INTO memory_tombstones (scope, user_id, text, embedding, created_at) VALUES (?, ?, ?, ?, ?)',
          args: [f.scope, f.userId, f.text, f.embedding ? encodeVector(f.embedding) : null, now],
        });
        statements.push({ sql: 'DELETE FROM memory_facts WHERE superseded_by = ? AND user_id = ?', args: [f.id, userId] });
        statements.push({ sql: 'DELETE FROM memory_facts WHERE id = ? AND user_id = ?', args: [f.id, userId] });
      }
      await store.batch(statements);
      return facts;
    },

    /** Facts of a scope matching `query` by meaning (cosine ≥ `minScore`) or by text, best first. */
    async matching(scope: string, query: string, queryVec: Float32Array | undefined, minScore: number): Promise<Fact[]> {
      const q = normalizeForMatch(query);
      const scored: { f: Fact; s: number }[] = [];
      for (const f of await active(scope)) {
        const t = normalizeForMatch(f.text);
        const textHit = q.length >= 3 && t.includes(q) ? 1 : 0;
        const vecHit = queryVec && f.embedding ? cosine(queryVec, f.embedding) : 0;
        const s = Math.max(textHit, vecHit);
        if (s >= minScore) scored.push({ f, s });
      }
      scored.sort((a, b) => b.s - a.s);
      return scored.map((x) => x.f);
    },

    /** Embeds facts stored while the embedding service was down. */
    async backfillEmbeddings(limit: number): Promise<number> {
      const rows = await store.query('SELECT id, text FROM memory_facts WHERE embedding IS NULL LIMIT ?', [limit]);
      if (rows.length === 0) return 0;
      const vecs = await embed(rows.map((r) => String(r.text)));
      if (!vecs) return 0;
      await store.batch(
        rows.map((r, i) => ({
          sql: 'UPDATE memory_facts SET embedding = ? WHERE id = ? AND embedding IS NULL',
          args: [encodeVector(vecs[i] as Float32Array), String(r.id)],
        })),
      );
      return rows.length;
    },

    /** Deletes extracted facts whose decayed confidence fell below `floor`. */
    async prune(floor: number): Promise<number> {
      const rows = await store.query("SELECT id, confidence, confirmed_at, source FROM memory_facts WHERE source = 'extracted'");
      const dead = rows
        .filter((r) => effective(Number(r.confidence), Number(r.confirmed_at), 'extracted') < floor)
        .map((r) => String(r.id));
      if (dead.length === 0) return 0;
      await store.batch(dead.map((id) => ({ sql: 'DELETE FROM memory_facts WHERE id = ?', args: [id] })));
      return dead.length;
    },
  };
}

export type Facts = ReturnType<typeof createFacts>;

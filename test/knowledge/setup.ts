/** A knowledge base over a real libSQL file, with a manual clock and the word-embedding stand-in (no Gemini). */
import pino from 'pino';
import { createKnowledgeBase, type KnowledgeConfig, type KnowledgeService } from '../../src/knowledge/knowledge.ts';
import type { IngestSource } from '../../src/knowledge/types.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createManualClock, type ManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { createEmbeddingLlm, type EmbeddingLlm } from '../support/word-embedding.ts';

export interface KbHarness {
  db: TempDb;
  store: Store;
  clock: ManualClock;
  llm: EmbeddingLlm;
  kb: KnowledgeService;
  /** A fresh knowledge base on the same database (a restarted process); the old one is left as it is. */
  restart(options?: { llm?: Llm; config?: KnowledgeConfig }): Promise<KnowledgeService>;
  close(): Promise<void>;
}

export async function openKb(options: { config?: KnowledgeConfig; name?: string } = {}): Promise<KbHarness> {
  const db = tempDbUrl(options.name ?? 'knowledge');
  let store = await createStore({ url: db.url, migrations });
  const clock = createManualClock();
  const llm = createEmbeddingLlm();
  const log = pino({ level: 'silent' });
  const make = (s: Store, l: Llm, config?: KnowledgeConfig) =>
    createKnowledgeBase({ store: s, llm: l, clock, log, config: config ?? options.config ?? {} });
  const h: KbHarness = {
    db,
    get store() {
      return store;
    },
    clock,
    llm,
    kb: make(store, llm),
    async restart(o = {}) {
      store = await createStore({ url: db.url, migrations });
      h.kb = make(store, o.llm ?? llm, o.config);
      return h.kb;
    },
    async close() {
      await h.kb.close(100).catch(() => undefined);
      await store.close().catch(() => undefined);
      await db.cleanup();
    },
  };
  return h;
}

/** Rows in every table of the knowledge base (the FTS index counted by its docsize rows). */
export async function knowledgeRows(store: Store): Promise<{ documents: number; chunks: number; fts: number }> {
  const n = async (sql: string) => Number((await store.get(sql))?.n ?? 0);
  return {
    documents: await n('SELECT COUNT(*) AS n FROM knowledge_documents'),
    chunks: await n('SELECT COUNT(*) AS n FROM knowledge_chunks'),
    fts: await n('SELECT COUNT(*) AS n FROM knowledge_fts_docsize'),
  };
}

/** A source for `ingest` from text (UTF-8). */
export function textSource(
  scope: string,
  text: string,
  fileName = 'notes.txt',
  mimeType = 'text/plain',
  addedBy = Number(scope.slice(2)),
): IngestSource {
  return { scope, addedBy, fileName, mimeType, bytes: new TextEncoder().encode(text) };
}

/**
 * The in-process fact cache must never serve facts another process changed: two memory services on one database
 * (two libSQL clients, as two bot instances would have) see each other's writes on their next read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createIdGen } from '../../src/core/clock.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory, type Memory } from '../../src/memory/memory.ts';
import { createStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const USER = 4242;
const CHAT = { chatId: USER, type: 'private' as const };

describe('fact cache across processes', () => {
  let db: TempDb;
  let gemini: FakeGemini;
  const stores: Store[] = [];
  const memories: Memory[] = [];
  let a: Memory;
  let b: Memory;
  let storeB: Store;

  before(async () => {
    db = tempDbUrl('fact-cache');
    gemini = await createFakeGemini();
    const clock = createManualClock();
    const log = pino({ level: 'silent' });
    for (let i = 0; i < 2; i++) {
      const store = await createStore({ url: db.url, migrations });
      const llm = createGeminiLlm({
        apiKey: gemini.apiKey,
        baseUrl: gemini.baseUrl,
        defaultTimeoutMs: 5000,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        clock,
        log,
      });
      stores.push(store);
      memories.push(
        createMemory({ store, llm, clock, ids: createIdGen(12), log, models: { chat: 'gemini-2.5-flash-lite' } }),
      );
    }
    [a, b] = memories as [Memory, Memory];
    storeB = stores[1] as Store;
  });

  after(async () => {
    for (const m of memories) await m.close();
    for (const s of stores) await s.close();
    await gemini.close();
    await db.cleanup();
  });

  const texts = async (m: Memory) => (await m.listFacts(USER, CHAT, 0, 50)).facts.map((f) => f.text).sort();

  test('writes by the other instance (add, raw update, forget) show up on the next read', async () => {
    assert.equal((await a.remember(USER, CHAT, 'User likes green tea', 'preference')).status, 'added');
    assert.deepEqual(await texts(a), ['User likes green tea']);
    const tea = await a.searchFacts(USER, CHAT, 'green tea');
    assert.equal(tea[0]?.fact.text, 'User likes green tea');

    // A has the scope cached now; B adds a fact.
    assert.equal((await b.remember(USER, CHAT, 'User owns a bicycle', 'personal')).status, 'added');
    assert.deepEqual(await texts(a), ['User likes green tea', 'User owns a bicycle']);
    const bike = await a.searchFacts(USER, CHAT, 'owns a bicycle');
    assert.equal(bike[0]?.fact.text, 'User owns a bicycle');

    // Any SQL write to memory_facts counts, not only the memory service's own code paths.
    await storeB.run("UPDATE memory_facts SET text = 'User owns a red bicycle' WHERE text = 'User owns a bicycle'");
    assert.deepEqual(await texts(a), ['User likes green tea', 'User owns a red bicycle']);

    // B forgets the tea fact; A must not inject it any more.
    const teaId = tea[0]?.fact.id as string;
    assert.equal((await b.forgetFacts(USER, [teaId])).length, 1);
    assert.deepEqual(await texts(a), ['User owns a red bicycle']);
    assert.deepEqual(
      (await a.searchFacts(USER, CHAT, 'green tea')).map((x) => x.fact.text),
      [],
    );
    const ctx = await a.prepare({
      turnId: 'fc1',
      userId: USER,
      chat: CHAT,
      text: 'User owns a bicycle',
      attachments: [],
      source: 'telegram',
      timezone: 'UTC',
    });
    assert.match(ctx.systemContext, /red bicycle/);
    assert.doesNotMatch(ctx.systemContext, /green tea/);
  });

  test("an instance's own merge updates its cache in place and the other instance sees it", async () => {
    assert.equal((await a.remember(USER, CHAT, 'User owns a red bicycle', 'personal')).status, 'merged');
    assert.deepEqual(await texts(a), ['User owns a red bicycle']);
    assert.equal((await a.remember(USER, CHAT, 'User speaks Portuguese', 'personal')).status, 'added');
    assert.deepEqual(await texts(b), ['User owns a red bicycle', 'User speaks Portuguese']);
    assert.deepEqual(await texts(a), ['User owns a red bicycle', 'User speaks Portuguese']);
    const wiped = await b.wipeUser(USER);
    assert.equal(wiped.facts, 2);
    assert.deepEqual(await texts(a), []);
  });
});

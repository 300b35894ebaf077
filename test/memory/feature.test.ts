import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Composer } from 'grammy';
import { createIdGen } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory, type Memory } from '../../src/memory/memory.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createMemoryFeature, memoryCommands } from '../../src/telegram/features/memory.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import type { TranscriptEntry } from '../support/fake-telegram.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type Inbound, startInbound } from '../telegram/inbound-harness.ts';

const USER = 7101;
const OTHER = 7202;
const private_ = (id: number) => ({ chatId: id, type: 'private' as const });

type Markup = { inline_keyboard: { text: string; callback_data: string }[][] } | undefined;
const buttonsOf = (m: TranscriptEntry) => ((m.replyMarkup as Markup)?.inline_keyboard ?? []).flat();

describe('memory commands (real grammY against the fake Bot API)', () => {
  let inbound: Inbound;
  let memory: Memory;
  let gemini: FakeGemini;
  // Only memory's "now" (fact times, the Undo window); timers and Telegram run in real time.
  const clock = createManualClock(Date.UTC(2026, 4, 3, 12));

  before(async () => {
    let inner: Composer<BotContext> | undefined;
    const lazy = new Composer<BotContext>();
    lazy.use((ctx, next) => (inner ? inner.middleware()(ctx, next) : next()));
    inbound = await startInbound({
      allowedUserIds: [USER, OTHER],
      features: [{ composer: lazy, commands: memoryCommands }],
    });
    gemini = await createFakeGemini();
    const log = createLogger({ level: 'silent' });
    const llm = createGeminiLlm({
      apiKey: gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      clock,
      log,
    });
    memory = createMemory({ store: inbound.store, llm, clock, ids: createIdGen(12), log, models: { chat: 'm' } });
    inner = createMemoryFeature({ memory, outbox: inbound.outbox, pageSize: 5 });
  });
  after(async () => {
    await memory.close();
    await inbound.close();
    await gemini.close();
  });

  async function command(text: string, userId = USER): Promise<TranscriptEntry> {
    const before = inbound.tg.botMessages(userId).length;
    inbound.tg.sendUserMessage({ chatId: userId, userId, text });
    return inbound.tg.waitFor(() => inbound.tg.botMessages(userId)[before], { label: `reply to ${text}` });
  }

  async function press(m: TranscriptEntry, data: string, userId = USER) {
    const before = inbound.tg.callbackAnswers().length;
    inbound.tg.pressButton({ chatId: USER, messageId: m.messageId, data, userId });
    return inbound.tg.waitFor(() => inbound.tg.callbackAnswers()[before], { label: `answer to ${data}` });
  }

  const count = async (sql: string, args: (string | number)[]) => Number((await inbound.store.get(sql, args))?.n ?? 0);

  it('/memory lists facts as sentences about you (no tags, no dates), pages them and forgets one at once, in place', async () => {
    for (let i = 1; i <= 7; i++) {
      await memory.remember(USER, private_(USER), `User likes hobby number ${i}`, 'preference');
      await clock.advance(1000);
    }
    const list = await command('/memory');
    assert.match(list.text, /What I remember about you here \(7\)/);
    assert.match(list.text, /^1\. You like hobby number 7$/m);
    assert.doesNotMatch(list.text, /User |preference|— \w+, \d{4}-/, 'no third person, tags or dates');
    const deletes = buttonsOf(list).filter((b) => b.text.startsWith('🗑 Forget'));
    assert.deepEqual(
      deletes.map((b) => b.text),
      ['🗑 Forget 1', '🗑 Forget 2', '🗑 Forget 3', '🗑 Forget 4', '🗑 Forget 5'],
    );
    const next = buttonsOf(list).find((b) => b.text === '▶');
    assert.ok(next, 'has a next-page button');
    for (const b of buttonsOf(list)) assert.ok(Buffer.byteLength(b.callback_data) <= 64, b.callback_data);

    const stranger = await press(list, next.callback_data, OTHER);
    assert.match(stranger.text ?? '', /belongs to someone else/);
    await press(list, next.callback_data);
    await inbound.tg.waitFor(() => /^6\. /m.test(inbound.tg.message(USER, list.messageId)?.text ?? '') || undefined);

    const fresh = await command('/memory');
    const first = buttonsOf(fresh)[0];
    assert.ok(first?.text === '🗑 Forget 1', 'first forget button');
    const factId = first.callback_data.split(':')[2] as string;
    const other = await press(fresh, first.callback_data, OTHER);
    assert.match(other.text ?? '', /Only the person this is about/);
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ? AND deleted_at IS NULL', [factId]),
      1,
    );
    const answer = await press(fresh, first.callback_data);
    assert.equal(answer.text, 'Forgotten. Tap ↩️ Undo if you didn’t mean it.');
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ? AND deleted_at IS NOT NULL', [factId]),
      1,
    );
    assert.equal(await count('SELECT COUNT(*) AS n FROM memory_tombstones WHERE user_id = ?', [USER]), 1);
    const edited = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(USER).find((e) => e.messageId === fresh.messageId);
      return m && /forgotten/.test(m.text) ? m : undefined;
    });
    assert.match(edited.text, /^1\. You like hobby number 7 — forgotten$/m, 'the line stays, struck through');
    assert.match(edited.text, /^2\. You like hobby number 6$/m, 'the others keep their numbers');
    assert.deepEqual(
      buttonsOf(edited).map((b) => b.text),
      ['✓ 1 forgotten', '🗑 Forget 2', '🗑 Forget 3', '🗑 Forget 4', '🗑 Forget 5', '↩️ Undo 1', '1/2', '▶'],
    );
    assert.equal((await memory.listFacts(USER, private_(USER), 0, 10)).total, 6, 'hidden from the list at once');
  });

  it('Undo works for 5 minutes; after that it answers "Too late to undo" and the fact is deleted for good', async () => {
    const list = await command('/memory');
    const target = buttonsOf(list)[1];
    assert.ok(target?.text === '🗑 Forget 2');
    const factId = target.callback_data.split(':')[2] as string;
    await press(list, target.callback_data);
    const withUndo = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(USER).find((e) => e.messageId === list.messageId);
      return m && buttonsOf(m).some((b) => b.text === '↩️ Undo 2') ? m : undefined;
    });
    const undo = buttonsOf(withUndo).find((b) => b.text === '↩️ Undo 2');
    assert.ok(undo);

    await clock.advance(5 * 60_000 + 1000);
    const late = await press(withUndo, undo.callback_data);
    assert.equal(late.text, 'Too late to undo — it’s forgotten for good.');
    const redrawn = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(USER).find((e) => e.messageId === list.messageId);
      return m && !buttonsOf(m).some((b) => b.text.startsWith('↩️')) ? m : undefined;
    });
    assert.match(redrawn.text, /^2\. You like hobby number \d — forgotten for good$/m);
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ? AND deleted_at IS NOT NULL', [factId]),
      1,
    );
    await memory.maintenance();
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ?', [factId]),
      0,
      'purged after the window',
    );
    const again = await press(redrawn, undo.callback_data);
    assert.equal(again.text, 'Too late to undo — it’s forgotten for good.');
  });

  it('/forget forgets at once and offers one Undo, which brings the facts back', async () => {
    await memory.remember(USER, private_(USER), 'User lives at 12 Baker Street', 'personal');
    const done = await command('/forget Baker Street');
    assert.equal(
      done.text,
      '🗑 Forgotten: You live at 12 Baker Street\n\nChanged your mind? Tap ↩️ Undo within 5 minutes.',
    );
    assert.equal(
      await count("SELECT COUNT(*) AS n FROM memory_facts WHERE text LIKE '%Baker%' AND deleted_at IS NULL", []),
      0,
    );
    const undo = buttonsOf(done).find((b) => b.text === '↩️ Undo');
    assert.ok(undo, 'undo button');
    const denied = await press(done, undo.callback_data, OTHER);
    assert.match(denied.text ?? '', /Only the person who asked me to forget this can undo it/);
    const back = await press(done, undo.callback_data);
    assert.equal(back.text, 'Brought back.');
    await inbound.tg.waitFor(
      () =>
        /Undone\. I remember again:\n• You live at 12 Baker Street/.test(
          inbound.tg.message(USER, done.messageId)?.text ?? '',
        ) || undefined,
    );
    assert.equal(
      await count("SELECT COUNT(*) AS n FROM memory_facts WHERE text LIKE '%Baker%' AND deleted_at IS NULL", []),
      1,
    );
    assert.equal(
      await count("SELECT COUNT(*) AS n FROM memory_tombstones WHERE text LIKE '%Baker%'", []),
      0,
      'tombstone lifted',
    );
    const twice = await press(done, undo.callback_data);
    assert.equal(twice.text, 'Already undone.');
    const none = await command('/forget Atlantis');
    assert.match(none.text, /nothing saved that matches/);
  });

  it('/why says in sentences which facts the last answer used; /export sends a JSON document', async () => {
    const req = {
      turnId: 'why:1',
      userId: USER,
      chat: private_(USER),
      text: 'user lives at 12 Baker Street?',
      attachments: [],
      source: 'telegram' as const,
      timezone: 'UTC',
    };
    const ctx = await memory.prepare(req);
    assert.ok(ctx.used.factIds.length > 0, 'some fact was used');
    await memory.commit(req, ctx, {
      status: 'done',
      text: 'Baker Street.',
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    });
    const why = await command('/why');
    assert.match(why.text, /^I used (one thing|\w+ things) I remember about you:\n• You live at 12 Baker Street/m);
    assert.deepEqual(
      buttonsOf(why).map((b) => b.text),
      ['🔎 Details'],
    );
    const [someFact] = (await memory.listFacts(USER, private_(USER), 0, 1)).facts;
    assert.ok(someFact);
    await memory.trashFacts(USER, private_(USER), [someFact.id]);
    const exported = await memory.exportUser(USER);
    assert.equal(exported.lastAnswers.length, 1, '/export includes what the last answer used');
    assert.ok(
      exported.facts.some((f) => f.forgottenAt !== null),
      '/export marks facts waiting out their Undo window',
    );
    const whyOther = await command('/why', OTHER);
    assert.match(whyOther.text, /haven’t answered anything/);

    inbound.tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await inbound.tg.waitFor(() => inbound.tg.calls.find((c) => c.method === 'sendDocument'), {
      label: 'sendDocument',
    });
    assert.ok(doc, 'document sent');
  });

  it('/wipe erases everything after the confirmation button', async () => {
    const prompt = await command('/wipe');
    assert.ok(
      (await count('SELECT COUNT(*) AS n FROM memory_facts WHERE user_id = ?', [USER])) > 0,
      'facts before wipe',
    );
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes, 'yes button');
    await press(prompt, yes.callback_data);
    await inbound.tg.waitFor(
      () => /I erased/.test(inbound.tg.message(USER, prompt.messageId)?.text ?? '') || undefined,
    );
    for (const table of ['memory_facts', 'memory_messages', 'memory_tombstones', 'memory_last_used']) {
      assert.equal(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`, [USER]), 0, table);
    }
  });
});

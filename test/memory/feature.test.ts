import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Composer } from 'grammy';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory, type Memory } from '../../src/memory/memory.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createMemoryFeature, memoryCommands } from '../../src/telegram/features/memory.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import type { TranscriptEntry } from '../support/fake-telegram.ts';
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

  before(async () => {
    let inner: Composer<BotContext> | undefined;
    const lazy = new Composer<BotContext>();
    lazy.use((ctx, next) => (inner ? inner.middleware()(ctx, next) : next()));
    inbound = await startInbound({ allowedUserIds: [USER, OTHER], features: [{ composer: lazy, commands: memoryCommands }] });
    gemini = await createFakeGemini();
    const log = createLogger({ level: 'silent' });
    const llm = createGeminiLlm({
      apiKey: gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      clock: systemClock,
      log,
    });
    memory = createMemory({ store: inbound.store, llm, clock: systemClock, ids: createIdGen(12), log, models: { chat: 'm' } });
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

  it('/memory pages facts with dates and deletes one with 🗑 (tombstoned)', async () => {
    for (let i = 1; i <= 7; i++) await memory.remember(USER, private_(USER), `User fact number ${i} about hobby${i}`, 'preference');
    const list = await command('/memory');
    assert.match(list.text, /What I remember about you here \(7\)/);
    assert.match(list.text, /— preference, \d{4}-\d{2}-\d{2}/);
    const deletes = buttonsOf(list).filter((b) => b.text.startsWith('🗑'));
    assert.equal(deletes.length, 5);
    const next = buttonsOf(list).find((b) => b.text === '▶');
    assert.ok(next, 'has a next-page button');
    for (const b of buttonsOf(list)) assert.ok(Buffer.byteLength(b.callback_data) <= 64, b.callback_data);

    const stranger = await press(list, next.callback_data, OTHER);
    assert.match(stranger.text ?? '', /belongs to someone else/);
    await press(list, next.callback_data);
    await inbound.tg.waitFor(() => /6\. /.test(inbound.tg.message(USER, list.messageId)?.text ?? '') || undefined);

    const first = deletes[0];
    assert.ok(first, 'first delete button');
    const factId = first.callback_data.split(':')[2] as string;
    const other = await press(list, first.callback_data, OTHER);
    assert.match(other.text ?? '', /Only the person/);
    assert.equal(await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ?', [factId]), 1);
    const answer = await press(list, first.callback_data);
    assert.equal(answer.text, 'Forgotten for good.');
    assert.equal(await count('SELECT COUNT(*) AS n FROM memory_facts WHERE id = ?', [factId]), 0);
    assert.equal(await count('SELECT COUNT(*) AS n FROM memory_tombstones WHERE user_id = ?', [USER]), 1);
  });

  it('/forget shows matches first, deletes only after Confirm; Cancel keeps them', async () => {
    await memory.remember(USER, private_(USER), 'User lives at 12 Baker Street', 'personal');
    const preview = await command('/forget Baker Street');
    assert.match(preview.text, /Forget this\?\n1\. User lives at 12 Baker Street/);
    assert.equal(await count("SELECT COUNT(*) AS n FROM memory_facts WHERE text LIKE '%Baker%'", []), 1);
    const cancel = buttonsOf(preview).find((b) => b.text === 'Cancel');
    assert.ok(cancel, 'cancel button');
    await press(preview, cancel.callback_data);
    assert.equal(await count("SELECT COUNT(*) AS n FROM memory_facts WHERE text LIKE '%Baker%'", []), 1);

    const again = await command('/forget Baker Street');
    const confirm = buttonsOf(again).find((b) => b.text.includes('Confirm'));
    assert.ok(confirm, 'confirm button');
    const denied = await press(again, confirm.callback_data, OTHER);
    assert.match(denied.text ?? '', /expired or belongs to someone else/);
    await press(again, confirm.callback_data);
    await inbound.tg.waitFor(() => /Forgotten for good \(1\)/.test(inbound.tg.message(USER, again.messageId)?.text ?? '') || undefined);
    assert.equal(await count("SELECT COUNT(*) AS n FROM memory_facts WHERE text LIKE '%Baker%'", []), 0);
    const none = await command('/forget Baker Street');
    assert.match(none.text, /nothing saved that matches/);
  });

  it('/why lists the facts used for the last answer; /export sends a JSON document', async () => {
    const req = {
      turnId: 'why:1',
      userId: USER,
      chat: private_(USER),
      text: 'what was user fact number 3 about hobby3?',
      attachments: [],
      source: 'telegram' as const,
      timezone: 'UTC',
    };
    const ctx = await memory.prepare(req);
    assert.ok(ctx.used.factIds.length > 0, 'some fact was used');
    await memory.commit(req, ctx, { status: 'done', text: 'You like hobby3.', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } });
    const why = await command('/why');
    assert.match(why.text, /Facts I used:\n• User fact number 3 about hobby3/);
    const whyOther = await command('/why', OTHER);
    assert.match(whyOther.text, /haven’t answered anything/);

    inbound.tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await inbound.tg.waitFor(() => inbound.tg.calls.find((c) => c.method === 'sendDocument'), { label: 'sendDocument' });
    assert.ok(doc, 'document sent');
  });

  it('/wipe erases everything after the confirmation button', async () => {
    const prompt = await command('/wipe');
    assert.ok(await count('SELECT COUNT(*) AS n FROM memory_facts WHERE user_id = ?', [USER]) > 0, 'facts before wipe');
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes, 'yes button');
    await press(prompt, yes.callback_data);
    await inbound.tg.waitFor(() => /I erased/.test(inbound.tg.message(USER, prompt.messageId)?.text ?? '') || undefined);
    for (const table of ['memory_facts', 'memory_messages', 'memory_tombstones']) {
      assert.equal(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`, [USER]), 0, table);
    }
  });
});

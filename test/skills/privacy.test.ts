/**
 * /export shows and /wipe erases a user's skills (and an open `/skills new` draft), through the whole app against
 * the fake Bot API and Gemini; another user's skill stays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buttonsOf, roleOf } from '../e2e/acceptance-support.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const USER = 8301;
const OTHER = 8302;
const STEPS = 'Walk the Quokkaberry route and count the lanterns.';

describe('/export and /wipe cover skills', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;

  async function say(chatId: number, text: string, expected: RegExp): Promise<TranscriptEntry> {
    const since = tg.transcript(chatId).at(-1)?.messageId ?? 0;
    tg.sendUserMessage({ chatId, userId: chatId, text });
    return tg.waitForBotMessage(chatId, (m) => expected.test(m.text), { timeoutMs: 20_000, since });
  }

  async function teach(chatId: number, name: string): Promise<void> {
    await say(chatId, '/skills new', /^🧩 New skill/);
    await say(chatId, name, /in one sentence/);
    await say(chatId, 'An evening walk with counting.', /Now the steps/);
    await say(chatId, STEPS, /^✅ Saved/);
  }

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler((req) => (roleOf(req) === 'extraction' ? { text: '[]' } : { text: 'ok' }));
    w = await startWholeApp({ tg, gemini, allowedUserIds: [USER, OTHER] });
    await teach(USER, 'lantern walk');
    await teach(OTHER, 'lantern walk');
    await say(USER, '/skills new', /^🧩 New skill/); // an open draft
  });
  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('/export lists the skill with its steps, without the embedding', async () => {
    await say(USER, '/skills cancel', /^Stopped/);
    await say(USER, '/skills new', /^🧩 New skill/);
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(USER).find((m) => m.kind === 'document'), { label: 'export' });
    const file = tg.file(doc.document?.fileId ?? '');
    assert.ok(file);
    const data = JSON.parse(Buffer.from(file.data).toString('utf8')) as { skills: Record<string, unknown>[] };
    assert.equal(data.skills.length, 1);
    assert.equal(data.skills[0]?.name, 'lantern walk');
    assert.equal(data.skills[0]?.instructions, STEPS);
    assert.equal(data.skills[0]?.chatId, USER);
    assert.ok(!('embedding' in (data.skills[0] ?? {})));
  });

  it('/wipe deletes the skills and the open draft of the user only', async () => {
    const prompt = await say(USER, '/wipe', /Erase everything/);
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes);
    tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: yes.data, userId: USER });
    await tg.waitFor(() => /^Done\. I erased/.test(tg.message(USER, prompt.messageId)?.text ?? '') || undefined, {
      timeoutMs: 20_000,
      label: 'wipe done',
    });
    assert.deepEqual(await w.store.query('SELECT id FROM skills WHERE owner_user_id = ?', [USER]), []);
    assert.deepEqual(await w.store.query('SELECT user_id FROM skill_drafts WHERE user_id = ?', [USER]), []);
    assert.equal((await w.store.query('SELECT id FROM skills WHERE owner_user_id = ?', [OTHER])).length, 1);
  });
});

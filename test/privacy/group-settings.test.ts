/**
 * A group's settings and privacy, through the whole app (src/app.ts) against the fakes: the admin who set a group's
 * time zone finds it in /export, and their /wipe removes who set it while the group keeps its zone (it is the
 * group's). Also: jobs deleted with Undo are in /export until they are purged, and /wipe erases them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buttonsOf } from '../e2e/acceptance-support.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const ADMIN = 8301;
const GROUP = -100_8301;

describe("a group's settings in /export and /wipe", () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(() => ({ text: 'ok' }));
    w = await startWholeApp({ tg, gemini, allowedUserIds: [ADMIN] });
    tg.setChatMember(GROUP, ADMIN, 'administrator');
    tg.sendUserMessage({ chatId: GROUP, userId: ADMIN, text: '/settings', chatType: 'supergroup' });
    const settings = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('⚙️ Group settings'));
    tg.pressButton({ chatId: GROUP, messageId: settings.messageId, data: 'gs:tz', userId: ADMIN });
    const picker = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('🌍 Pick'), { since: 'any' });
    const london = buttonsOf(picker).find((b) => b.text === 'London');
    assert.ok(london);
    tg.pressButton({ chatId: GROUP, messageId: picker.messageId, data: london.data, userId: ADMIN });
    await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith("✅ This group's time zone is now Europe/London"), {
      since: 'any',
    });

    const job = await w.app.scheduler.create({
      ownerUserId: ADMIN,
      chat: { chatId: ADMIN, type: 'private' },
      kind: 'reminder',
      text: 'deleted but undoable',
      when: { in: { hours: 3 } },
      announce: false,
    });
    await w.app.scheduler.remove(job.job.id);
  });

  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('/export lists the group settings the user set and the schedule they can still undo', async () => {
    tg.sendUserMessage({ chatId: ADMIN, userId: ADMIN, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(ADMIN).find((m) => m.kind === 'document'), {
      label: 'export document',
    });
    const data = JSON.parse(Buffer.from(tg.file(doc.document?.fileId ?? '')!.data).toString('utf8')) as {
      groupSettings: { chatId: number; timezone: string }[];
      schedules: { text: string; deletedAt: string | null }[];
    };
    assert.deepEqual(
      data.groupSettings.map((g) => [g.chatId, g.timezone]),
      [[GROUP, 'Europe/London']],
    );
    assert.deepEqual(
      data.schedules.map((s) => [s.text, typeof s.deletedAt]),
      [['deleted but undoable', 'string']],
    );
  });

  it("/wipe removes who set the group's zone (the group keeps it) and the deleted schedule", async () => {
    tg.sendUserMessage({ chatId: ADMIN, userId: ADMIN, text: '/wipe' });
    const prompt = await tg.waitForBotMessage(ADMIN, (m) => /Erase everything/.test(m.text));
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes);
    tg.pressButton({ chatId: ADMIN, messageId: prompt.messageId, data: yes.data, userId: ADMIN });
    await tg.waitFor(() => /^Done\. I erased/.test(tg.message(ADMIN, prompt.messageId)?.text ?? '') || undefined, {
      timeoutMs: 20_000,
    });
    const row = await w.store.get(
      'SELECT timezone, updated_by, awaiting_tz_from FROM chat_settings WHERE chat_id = ?',
      [GROUP],
    );
    assert.deepEqual({ ...row }, { timezone: 'Europe/London', updated_by: null, awaiting_tz_from: null });
    assert.equal(Number((await w.store.get('SELECT COUNT(*) AS n FROM jobs WHERE owner_user_id = ?', [ADMIN]))?.n), 0);
  });
});

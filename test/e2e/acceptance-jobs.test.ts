/**
 * Issue 12, points 1 (reminder cards), 2 (one way to delete: at once, with Undo), 7 (groups have their own settings)
 * and 8 (one message per reminder; a readable /jobs with Change time), through the real entry point (src/main.ts in
 * a child process) against the fake Telegram and Gemini. Every assertion reads what a user sees: the chat
 * transcript with its buttons, and the answers to button presses.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '@libsql/client';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { type FakeGemini, type RecordedRequest, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  buttonsOf,
  clockIn,
  delegate,
  dispatcher,
  lastFunctionResponses,
  roleOf,
  sleep,
} from './acceptance-support.ts';

const USER = 7301;
const ALICE = 7302;
const BOB = 7303;
const ADMIN = 7304;
const GROUP = -100_7300;
const ZONE = 'Europe/Berlin';

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let bot: ChildBot | undefined;
const unmatched: RecordedRequest[] = [];
const state: { stretchDueAt: number; stretchCard?: TranscriptEntry } = { stretchDueAt: 0 };

/** The planner as Gemini would behave, restating what it did (the duplicate the user should not see). */
const planner: Rule = (req) => {
  if (req.model !== AGENT_MODEL || roleOf(req) !== 'planner') return undefined;
  const task = req.lastUserText;
  const [fr] = lastFunctionResponses(req);
  if (!fr) {
    if (/delete my call mom/i.test(task)) return { functionCalls: [{ name: 'schedule_list', args: {} }] };
    const rel = /in (\d+) minutes? to (.+)$/i.exec(task);
    if (rel)
      return {
        functionCalls: [{ name: 'schedule_create', args: { text: rel[2], when: { in: { minutes: Number(rel[1]) } } } }],
      };
    if (/every monday at 08:00/i.test(task))
      return {
        functionCalls: [
          { name: 'schedule_create', args: { text: 'weekly review', when: { every: 'monday', at: '08:00' } } },
        ],
      };
    if (/tomorrow at 09:00 to water the plants/i.test(task))
      return {
        functionCalls: [
          { name: 'schedule_create', args: { text: 'water the plants', when: { date: 'tomorrow', time: '09:00' } } },
        ],
      };
    return undefined;
  }
  const r = fr.response;
  if (fr.name === 'schedule_create')
    return {
      text: r.error ? `I couldn't: ${String(r.error)}` : `Done — I'll remind you at ${String(r.resolved_local_time)}.`,
    };
  if (fr.name === 'schedule_list') {
    const job = ((r.jobs ?? []) as { id: string; text: string }[]).find((j) => j.text === 'call mom');
    return job ? { functionCalls: [{ name: 'schedule_delete', args: { id: job.id } }] } : { text: 'No such reminder.' };
  }
  if (fr.name === 'schedule_delete')
    return { text: r.error ? `Okay, I did not delete it. (${String(r.error)})` : 'Deleted the reminder “call mom”.' };
  return undefined;
};

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' ? { text: '[]' } : undefined),
  delegate(/remind|delete my/i, 'planner'),
  planner,
];

async function sql(query: string, args: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const client = createClient({ url: db.url });
  try {
    return (await client.execute({ sql: query, args })).rows.map((r) => ({ ...r }));
  } finally {
    client.close();
  }
}

const job = async (text: string) => (await sql('SELECT * FROM jobs WHERE text = ?', [text]))[0];
const buttonTexts = (m: TranscriptEntry | undefined) => buttonsOf(m).map((b) => b.text);
const current = (chatId: number, m: TranscriptEntry) => tg.transcript(chatId).find((e) => e.messageId === m.messageId)!;

/** Presses a button and returns the toast or alert the presser sees. */
async function press(chatId: number, m: TranscriptEntry, data: string, userId = chatId > 0 ? chatId : ALICE) {
  const update = tg.pressButton({ chatId, messageId: m.messageId, data, userId });
  const id = update.callback_query!.id;
  return tg.waitFor(() => tg.callbackAnswers().find((a) => a.callbackQueryId === id), { label: `answer to ${data}` });
}

const button = (m: TranscriptEntry | undefined, text: string | RegExp) => {
  const b = buttonsOf(m).find((x) => (typeof text === 'string' ? x.text === text : text.test(x.text)));
  assert.ok(b, `a "${String(text)}" button on: ${m?.text} ${JSON.stringify(buttonsOf(m))}`);
  return b;
};

/** Waits until a message in the chat reads as `expected` (after an edit). */
const becomes = (chatId: number, m: TranscriptEntry, expected: (e: TranscriptEntry) => boolean, label: string) =>
  tg.waitFor(() => (expected(current(chatId, m)) ? current(chatId, m) : undefined), { label, timeoutMs: 10_000 });

let turnsSeen = 0;
/** Waits until the bot logged the end of the next chat turn (its answer is sent right after). */
async function nextTurnFinished(): Promise<void> {
  turnsSeen++;
  const want = turnsSeen;
  await tg.waitFor(() => bot!.jsonLogs().filter((l) => l.msg === 'turn finished').length >= want || undefined, {
    label: 'turn finished',
    timeoutMs: 20_000,
  });
}

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  db = tempDbUrl('e2e-jobs');
  gemini.setHandler(dispatcher(rules, unmatched));
  const env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: [USER, ALICE, BOB, ADMIN].join(','),
    PORT: '0',
    GEMINI_ROUTER_MODEL: ROUTER_MODEL,
    GEMINI_MODEL: AGENT_MODEL,
    DEFAULT_TIMEZONE: ZONE,
  });
  bot = await startBot({ env });
});

after(async () => {
  if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
  await tg?.close();
  await gemini?.close();
  await db?.cleanup();
});

test('setting a reminder gives exactly one message: the card with "Cancel reminder", no restated confirmation', async () => {
  tg.sendUserMessage({ chatId: USER, text: 'Remind me in 10 minutes to call mom' });
  const sentAt = tg.transcript(USER).at(-1)!.messageId;
  const card = await tg.waitForBotMessage(USER, (m) => m.text.includes('call mom'), { timeoutMs: 20_000 });
  await nextTurnFinished();
  await sleep(500);
  const after = tg.botMessages(USER).filter((m) => m.messageId > sentAt);
  assert.deepEqual(
    after.map((m) => m.text),
    [card.text],
    'one bot message for the request',
  );
  const row = await job('call mom');
  assert.match(
    card.text,
    new RegExp(
      `^⏰ Reminder set for .*, ${clockIn(Number(row?.next_run_at), ZONE)} \\(Europe/Berlin\\), in 10 min: “call mom”$`,
    ),
  );
  assert.deepEqual(buttonTexts(card), ['✖️ Cancel reminder']);

  // A second reminder, due in a minute: its card is checked after it fires (last test).
  tg.sendUserMessage({ chatId: USER, text: 'Remind me in 1 minute to stretch' });
  state.stretchCard = await tg.waitForBotMessage(USER, (m) => m.text.includes('“stretch”'), { timeoutMs: 20_000 });
  await nextTurnFinished();
  state.stretchDueAt = Number((await job('stretch'))?.next_run_at);
});

test('the card\'s "Cancel reminder" deletes at once and offers Undo; Undo brings the same reminder back', async () => {
  const card = tg.botMessages(USER).find((m) => m.text.includes('“call mom”'))!;
  const before = await job('call mom');
  const answer = await press(USER, card, button(card, '✖️ Cancel reminder').data);
  assert.equal(answer.text, 'Cancelled “Call mom”. Tap Undo to bring it back.');
  const cancelled = await becomes(USER, card, (e) => e.text.startsWith('🗑 Deleted'), 'card shows the deletion');
  assert.match(
    cancelled.text,
    /^🗑 Deleted: ⏰ Call mom — (today|tomorrow) \d\d:\d\d\. Tap Undo within 5 minutes to bring it back\.$/,
  );
  assert.deepEqual(buttonTexts(cancelled), ['↩️ Undo']);
  const deleted = await job('call mom');
  assert.ok(deleted?.deleted_at, 'deleted at once (soft)');
  assert.equal(deleted?.next_run_at, null, 'it will not fire while deleted');

  const undone = await press(USER, cancelled, button(cancelled, '↩️ Undo').data);
  assert.match(String(undone.text), /^Restored “Call mom” — (today|tomorrow) \d\d:\d\d\.$/);
  const restored = await becomes(USER, card, (e) => e.text.startsWith('⏰ Reminder set for'), 'card is back');
  assert.deepEqual(buttonTexts(restored), ['✖️ Cancel reminder']);
  const row = await job('call mom');
  assert.equal(row?.deleted_at, null);
  assert.equal(row?.next_run_at, before?.next_run_at, 'the exact reminder, same time');

  // Pressing the Undo of a deletion that was already undone answers what happened and goes away.
  const stale = await press(USER, restored, `u:js:${String(deleted?.undo_token)}`);
  assert.equal(stale.text, 'Too late to undo — create it again.');
});

test('/jobs: one job per line in plain words, each with its own Pause, Change time and Delete buttons', async () => {
  tg.sendUserMessage({ chatId: USER, text: 'Remind me every monday at 08:00 about the weekly review' });
  const weeklyCard = await tg.waitForBotMessage(USER, (m) => m.text.includes('weekly review'), { timeoutMs: 20_000 });
  await nextTurnFinished();
  assert.match(weeklyCard.text, /^🔁 Reminder every Monday at 08:00 \(Europe\/Berlin\): “weekly review”\nNext: /);

  tg.sendUserMessage({ chatId: USER, text: '/jobs' });
  const list = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('Your reminders and tasks here'));
  const [header, blank, ...lines] = list.text.split('\n');
  assert.equal(header, 'Your reminders and tasks here (3):');
  assert.equal(blank, '');
  assert.equal(lines.length, 3);
  assert.match(lines.join('\n'), /^⏰ Stretch — (today|tomorrow) \d\d:\d\d$/m);
  assert.match(lines.join('\n'), /^⏰ Call mom — (today|tomorrow) \d\d:\d\d$/m);
  assert.match(lines.join('\n'), /^🔁 Weekly review — Mondays 08:00$/m);
  const rows = (list.replyMarkup as { inline_keyboard: { text: string }[][] }).inline_keyboard.map((r) =>
    r.map((b) => b.text),
  );
  assert.deepEqual(
    rows.filter((r) => r.length === 3),
    [
      ['⏸ Pause', '🕑 Change time', '🗑 Delete'],
      ['⏸ Pause', '🕑 Change time', '🗑 Delete'],
      ['⏸ Pause', '🕑 Change time', '🗑 Delete'],
    ],
  );
  assert.ok(
    rows.some((r) => r.length === 1 && r[0] === '🔁 Weekly review — Mondays 08:00'),
    "each job's own title above its buttons",
  );
  for (const b of buttonsOf(list))
    assert.doesNotMatch(b.data, /:\d{1,2}$/, 'buttons name jobs by id, never by position');
});

test('/jobs: Delete is at once with Undo (the card follows), and Undo restores it', async () => {
  const list = tg.botMessages(USER).findLast((m) => m.text.startsWith('Your reminders and tasks here'))!;
  const weekly = await job('weekly review');
  const weeklyCard = tg.botMessages(USER).find((m) => m.text.includes('“weekly review”'))!;
  const del = buttonsOf(list).find((b) => b.data === `job:d:${String(weekly?.id)}`)!;
  const answer = await press(USER, list, del.data);
  assert.equal(answer.text, 'Deleted “Weekly review”. Tap ↩️ Undo to bring it back.');
  const shown = await becomes(
    USER,
    list,
    (e) => e.text.includes('🗑 Weekly review — deleted'),
    'list shows the deletion',
  );
  assert.equal(shown.text.split('\n')[0], 'Your reminders and tasks here (2):');
  assert.ok(buttonTexts(shown).includes('↩️ Undo: Weekly review'));
  const card = await becomes(USER, weeklyCard, (e) => e.text.startsWith('🗑 Deleted'), 'its card says it was deleted');
  assert.equal(card.text, '🗑 Deleted: 🔁 Weekly review — Mondays 08:00');
  assert.deepEqual(buttonTexts(card), [], 'the card lost its Cancel button');

  await press(USER, shown, button(shown, '↩️ Undo: Weekly review').data);
  const back = await becomes(
    USER,
    list,
    (e) => e.text.includes('🔁 Weekly review — Mondays 08:00'),
    'list shows it again',
  );
  assert.equal(back.text.split('\n')[0], 'Your reminders and tasks here (3):');
  const cardBack = await becomes(
    USER,
    weeklyCard,
    (e) => e.text.startsWith('🔁 Reminder every Monday'),
    'its card is back',
  );
  assert.deepEqual(buttonTexts(cardBack), ['✖️ Cancel reminder']);
  assert.equal((await job('weekly review'))?.deleted_at, null);
});

test('/jobs: "Change time" asks for the new time, explains a bad one with examples, and keeps the days', async () => {
  const list = tg.botMessages(USER).findLast((m) => m.text.startsWith('Your reminders and tasks here'))!;
  const weekly = await job('weekly review');
  await press(USER, list, `job:t:${String(weekly?.id)}`);
  const prompt = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('🕑'), { since: 'any' });
  assert.equal(
    prompt.text,
    '🕑 When should “Weekly review” run? Now: Mondays 08:00.\nType the new time, for example: 18:30 · 6pm · in 20 minutes · in 2 hours · tomorrow 9:00 · friday 9:00 · every monday 8:00',
  );
  assert.deepEqual(buttonTexts(prompt), ['↩️ Keep the current time']);

  tg.sendUserMessage({ chatId: USER, text: 'banana' });
  const bad = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('I couldn'));
  assert.equal(
    bad.text,
    "I couldn't read “banana” as a time. Try one of: 18:30 · 6pm · in 20 minutes · in 2 hours · tomorrow 9:00 · friday 9:00 · every monday 8:00",
  );

  tg.sendUserMessage({ chatId: USER, text: '9:30' });
  const ok = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('✅'));
  assert.equal(ok.text, '✅ “Weekly review” now runs Mondays 09:30.');
  const row = await job('weekly review');
  assert.equal(JSON.parse(String(row?.schedule)).expression, '30 9 * * 1');
});

test('deleting in chat: a plain confirmation first, then one message "Deleted" with Undo, which restores it', async () => {
  tg.sendUserMessage({ chatId: USER, text: 'Please delete my call mom reminder' });
  const prompt = await tg.waitForBotMessage(USER, (m) => /^Delete the reminder “call mom”/i.test(m.text), {
    timeoutMs: 20_000,
  });
  assert.deepEqual(buttonTexts(prompt), ['Delete', 'Keep', 'Details']);
  await nextTurnFinished();
  const waiting = await job('call mom');
  assert.ok(waiting && !waiting.deleted_at, 'nothing deleted before the decision');
  const approve = button(prompt, 'Delete');
  const before = tg.botMessages(USER).at(-1)!.messageId;
  await press(USER, prompt, approve.data);
  const done = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('🗑 Deleted'), {
    since: before,
    timeoutMs: 20_000,
  });
  await sleep(500);
  assert.deepEqual(
    tg
      .botMessages(USER)
      .filter((m) => m.messageId > before)
      .map((m) => m.text),
    [done.text],
    'one answer: the deletion itself, not a restatement',
  );
  assert.match(
    done.text,
    /^🗑 Deleted: ⏰ Call mom — (today|tomorrow) \d\d:\d\d\. Tap Undo within 5 minutes to bring it back\.$/,
  );
  assert.deepEqual(buttonTexts(done), ['↩️ Undo']);
  assert.ok((await job('call mom'))?.deleted_at, 'deleted');

  await press(USER, done, button(done, '↩️ Undo').data);
  const back = await becomes(
    USER,
    done,
    (e) => e.text.startsWith('⏰ Reminder set for'),
    'the answer becomes the card again',
  );
  assert.deepEqual(buttonTexts(back), ['✖️ Cancel reminder']);
  assert.equal((await job('call mom'))?.deleted_at, null);
});

test('groups: an admin sets the group time zone in /settings (others may not), and group reminders use it', async () => {
  tg.setChatMember(GROUP, ADMIN, 'administrator');
  tg.sendUserMessage({ chatId: GROUP, userId: BOB, firstName: 'Bob', text: '/settings', chatType: 'supergroup' });
  const settings = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('⚙️ Group settings'));
  assert.equal(
    settings.text,
    "⚙️ Group settings\n\n🌍 Time zone: not set — reminders set here use their creator's own time zone.\n\nOnly group admins can change these.",
  );
  const change = button(settings, '🌍 Change time zone');
  const refused = await press(GROUP, settings, change.data, BOB);
  assert.equal(refused.text, "Only the group's admins can change its settings.");
  assert.equal(refused.showAlert, true);

  await press(GROUP, settings, change.data, ADMIN);
  const picker = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith("🌍 Pick the group's time zone"), {
    since: 'any',
  });
  const tokyo = button(picker, 'Tokyo');
  assert.equal((await press(GROUP, picker, tokyo.data, BOB)).text, "Only the group's admins can change its settings.");
  await press(GROUP, picker, tokyo.data, ADMIN);
  const set = await tg.waitForBotMessage(
    GROUP,
    (m) => m.text.startsWith("✅ This group's time zone is now Asia/Tokyo"),
    { since: 'any' },
  );
  assert.match(
    set.text,
    /^✅ This group's time zone is now Asia\/Tokyo \(it's \d\d:\d\d there\)\. Reminders set here use it\.$/,
  );

  tg.sendUserMessage({
    chatId: GROUP,
    userId: ALICE,
    firstName: 'Alice',
    text: `@${tg.botUser.username} remind us tomorrow at 09:00 to water the plants`,
    chatType: 'supergroup',
  });
  const card = await tg.waitForBotMessage(GROUP, (m) => m.text.includes('water the plants'), { timeoutMs: 20_000 });
  await nextTurnFinished();
  assert.match(card.text, /^⏰ Reminder set for .*, 09:00 \(Asia\/Tokyo\), in .*: “water the plants”$/);
  const row = await job('water the plants');
  assert.equal(row?.timezone, 'Asia/Tokyo');
  assert.equal(clockIn(Number(row?.next_run_at), 'Asia/Tokyo'), '09:00');
});

test("groups: members see the group's jobs in /jobs; only the creator or an admin may change them", async () => {
  tg.sendUserMessage({ chatId: GROUP, userId: BOB, firstName: 'Bob', text: '/jobs', chatType: 'supergroup' });
  const list = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('Reminders and tasks in this group'));
  assert.equal(list.text, 'Reminders and tasks in this group (1):\n\n⏰ Water the plants — tomorrow 09:00 · by Alice');
  const row = await job('water the plants');
  const refused = await press(GROUP, list, `job:d:${String(row?.id)}`, BOB);
  assert.equal(refused.text, 'Only Alice or a group admin can change this.');
  assert.equal(refused.showAlert, true);
  assert.equal((await job('water the plants'))?.deleted_at, null, 'not deleted');

  await press(GROUP, list, `job:p:${String(row?.id)}`, ADMIN);
  const paused = await becomes(GROUP, list, (e) => e.text.includes('· paused'), 'paused by the admin');
  assert.equal(
    paused.text,
    'Reminders and tasks in this group (1):\n\n⏰ Water the plants — tomorrow 09:00 · paused · by Alice',
  );
  assert.ok(buttonTexts(paused).includes('▶️ Resume'));
  await press(GROUP, paused, `job:r:${String(row?.id)}`, ALICE);
  await becomes(GROUP, list, (e) => !e.text.includes('paused'), 'resumed by its creator');
});

test('after the reminder fired, its card says when it was sent and its stale button answers what happened', async () => {
  const card = state.stretchCard!;
  const fired = await tg.waitForBotMessage(USER, (m) => m.text === '⏰ stretch', {
    since: 'any',
    timeoutMs: Math.max(5_000, state.stretchDueAt - Date.now() + 20_000),
  });
  assert.deepEqual(buttonTexts(fired), ['💤 Snooze 10 min', '💤 Snooze 1 hour', '💤 Tomorrow', '✅ Done']);
  const at = clockIn(state.stretchDueAt, ZONE);
  const settled = await becomes(USER, card, (e) => e.text.includes('Sent at'), 'the card was updated');
  assert.equal(settled.text, `⏰ Stretch\n✅ Sent at ${at}`);
  assert.deepEqual(buttonTexts(settled), []);
  const stale = await press(USER, settled, `job:x:${String((await job('stretch'))?.id)}`);
  assert.equal(stale.text, `Already sent at ${at} — nothing to cancel.`);
  assert.deepEqual(
    unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
    [],
    'every model request was scripted',
  );
});

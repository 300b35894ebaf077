/**
 * Issues 6 and 7 acceptance through the real entry point, in one pair of bot lifetimes on one database:
 *
 * Lifetime 1: the user picks Europe/Berlin at /start (the bot's default zone is UTC and its host zone New York);
 * asks for two reminders, then asks to delete each (the planner calls schedule_delete → "Delete …?" [Delete] [Keep]
 * confirmations, since the user asked);
 * schedules a daily prompt for the next minute and "remind me in 1 minute to stretch". Then SIGKILL.
 *
 * Lifetime 2: Delete deletes the first schedule (with Undo) and the user gets the final answer; Keep keeps the
 * second and the model is told it was denied; the stretch reminder arrives once with no generate call; the daily
 * prompt posts its Network result at the right local time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '@libsql/client';
import { botEnv, type ChildBot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  buttonsOf,
  clockIn,
  delegate,
  dispatcher,
  isBackground,
  isGenerate,
  lastFunctionResponses,
  roleOf,
  sleep,
} from './acceptance-support.ts';

const USER = 7201;
const ZONE = 'Europe/Berlin';
const PROMPT_TEXT = 'Send me a short motivational quote';
const QUOTE = 'Small steps every day add up to big results.';

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let env: Record<string, string>;
let bot: ChildBot | undefined;
const unmatched: RecordedRequest[] = [];

/** Shared between the steps. */
const state: {
  prompts: Record<'call mom' | 'dentist', TranscriptEntry | undefined>;
  dailyAt: number;
  stretchDueFrom: number;
  stretchDueTo: number;
  restartedAt: number;
} = {
  prompts: { 'call mom': undefined, dentist: undefined },
  dailyAt: 0,
  stretchDueFrom: 0,
  stretchDueTo: 0,
  restartedAt: 0,
};

/** The planner as Gemini would behave: structured intents in, tool results turned into the answer. */
const planner: Rule = (req) => {
  if (req.model !== AGENT_MODEL || roleOf(req) !== 'planner') return undefined;
  const task = req.lastUserText;
  const [fr] = lastFunctionResponses(req);
  if (!fr) {
    if (/delete/i.test(task)) return { functionCalls: [{ name: 'schedule_list', args: {} }] };
    if (/in 2 hours to call mom/i.test(task))
      return {
        functionCalls: [
          { name: 'schedule_create', args: { kind: 'reminder', text: 'call mom', when: { in: { hours: 2 } } } },
        ],
      };
    if (/tomorrow at 09:00 about the dentist/i.test(task))
      return {
        functionCalls: [
          {
            name: 'schedule_create',
            args: { kind: 'reminder', text: 'dentist appointment', when: { date: 'tomorrow', time: '09:00' } },
          },
        ],
      };
    const daily = /every day at (\d\d:\d\d)/i.exec(task);
    if (daily)
      return {
        functionCalls: [
          {
            name: 'schedule_create',
            args: { kind: 'prompt', text: PROMPT_TEXT, when: { every: 'day', at: daily[1] } },
          },
        ],
      };
    if (/in 1 minute to stretch/i.test(task))
      return {
        functionCalls: [
          { name: 'schedule_create', args: { kind: 'reminder', text: 'stretch', when: { in: { minutes: 1 } } } },
        ],
      };
    return undefined;
  }
  const r = fr.response;
  if (fr.name === 'schedule_create') {
    return {
      text: r.error
        ? `I couldn't schedule that: ${String(r.error)}`
        : `Done — set for ${String(r.resolved_local_time)}.`,
    };
  }
  if (fr.name === 'schedule_list') {
    const jobs = (r.jobs ?? []) as { id: string; text: string }[];
    const wanted = /call mom/i.test(task) ? 'call mom' : /dentist/i.test(task) ? 'dentist appointment' : undefined;
    const job = jobs.find((j) => j.text === wanted);
    if (!job) return { text: `I couldn't find that reminder (I have ${jobs.length}).` };
    return { functionCalls: [{ name: 'schedule_delete', args: { id: job.id } }] };
  }
  if (fr.name === 'schedule_delete') {
    if (typeof r.error === 'string') return { text: `Okay, I did not delete it. (${r.error})` };
    const deleted = r.deleted as { text?: string } | undefined;
    return { text: `Deleted the reminder “${deleted?.text ?? '?'}”.` };
  }
  return undefined;
};

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' ? { text: '[]' } : undefined),
  delegate(/remind me|delete my|every day at/i, 'planner'),
  delegate(/motivational quote/i, 'assistant'),
  planner,
  (req) =>
    req.model === AGENT_MODEL && roleOf(req) === 'assistant' && req.lastUserText.includes(PROMPT_TEXT)
      ? { text: QUOTE }
      : undefined,
];

async function sqlRows(sql: string, args: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const client = createClient({ url: db.url });
  try {
    return (await client.execute({ sql, args })).rows.map((r) => ({ ...r }));
  } finally {
    client.close();
  }
}

const openJobs = async (): Promise<string[]> =>
  (
    await sqlRows(
      'SELECT text FROM jobs WHERE owner_user_id = ? AND completed_at IS NULL AND deleted_at IS NULL ORDER BY text',
      [USER],
    )
  ).map((r) => String(r.text));

async function say(text: string, expected: RegExp, timeoutMs = 20_000): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: USER, text });
  return tg.waitForBotMessage(USER, (m) => expected.test(m.text), { timeoutMs });
}

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  db = tempDbUrl('e2e-accept-sched');
  gemini.setHandler(dispatcher(rules, unmatched));
  env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: String(USER),
    PORT: '0',
    LOG_LEVEL: 'debug',
    GEMINI_ROUTER_MODEL: ROUTER_MODEL,
    GEMINI_MODEL: AGENT_MODEL,
    DEFAULT_TIMEZONE: 'UTC',
    // The host zone differs from both the default and the user's zone, so using it would show.
    TZ: 'America/New_York',
  });
  bot = await startBot({ env });
});

after(async () => {
  if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
  await tg?.close();
  await gemini?.close();
  await db?.cleanup();
});

test('lifetime 1: /start sets the time zone with a button', async () => {
  const welcome = await say('/start', /Which time zone/);
  const berlin = buttonsOf(welcome).find((b) => b.data === `sys:tz:${ZONE}`);
  assert.ok(berlin, `a ${ZONE} button: ${JSON.stringify(buttonsOf(welcome))}`);
  tg.pressButton({ chatId: USER, messageId: welcome.messageId, data: berlin.data });
  await tg.waitForBotMessage(USER, (m) => m.text.includes(`Time zone set to ${ZONE}`), {
    timeoutMs: 10_000,
    since: welcome.messageId,
  });
  const [user] = await sqlRows('SELECT timezone FROM users WHERE id = ?', [USER]);
  assert.equal(user?.timezone, ZONE);
});

test('lifetime 1: deleting a schedule asks for confirmation ([Delete] [Keep]) and does not delete yet', async () => {
  await say('Remind me in 2 hours to call mom', /Reminder set for .*“call mom”/);
  await say('Remind me tomorrow at 09:00 about the dentist', /Reminder set for .*09:00 .*“dentist appointment”/);
  assert.deepEqual(await openJobs(), ['call mom', 'dentist appointment']);

  for (const which of ['call mom', 'dentist'] as const) {
    const prompt = await say(`Please delete my ${which} reminder`, /^Delete the reminder/);
    assert.ok(!prompt.text.includes('schedule_delete'), `no tool name before Details: ${prompt.text}`);
    // The prompt says which reminder, not just its opaque id.
    assert.ok(
      prompt.text.includes(which === 'call mom' ? '“call mom”' : '“dentist appointment”'),
      `readable prompt: ${prompt.text}`,
    );
    const buttons = buttonsOf(prompt);
    assert.deepEqual(
      buttons.map((b) => b.text),
      ['Delete', 'Keep', 'Details'],
    );
    for (const b of buttons)
      assert.ok(Buffer.byteLength(b.data) <= 64 && /^ap:/.test(b.data), `opaque callback data: ${b.data}`);
    state.prompts[which] = prompt;
  }
  assert.deepEqual(await openJobs(), ['call mom', 'dentist appointment'], 'nothing deleted before a decision');
  const [run] = await sqlRows("SELECT COUNT(*) AS n FROM approval_runs WHERE status = 'waiting'");
  assert.equal(Number(run?.n), 2, 'both suspended runs are persisted');
});

test('lifetime 1: a daily scheduled prompt for the next minute is confirmed in local time', async () => {
  // At least 20 s ahead, so it fires after the restart below (which takes a few seconds); it may fire while the
  // approvals are decided, so those steps leave its calls out of their counts.
  state.dailyAt = Math.ceil((Date.now() + 20_000) / 60_000) * 60_000;
  const hhmm = clockIn(state.dailyAt, ZONE);
  const card = await say(`Every day at ${hhmm} send me a motivational quote`, /^🔁 Scheduled task/);
  assert.ok(card.text.includes(PROMPT_TEXT), `the answer is the confirmation card:\n${tg.describe()}`);
  assert.match(card.text, new RegExp(`every day at ${hhmm}`));
  assert.match(card.text, /\(Europe\/Berlin\)/);
  assert.match(card.text, new RegExp(`Next: .*${hhmm}.*·.*${hhmm}.*·.*${hhmm}`), 'the next three runs');
  assert.deepEqual(
    buttonsOf(card).map((b) => b.text),
    ['✖️ Cancel task'],
  );
});

test('lifetime 1: "remind me in 1 minute to stretch" is confirmed in local time with "Cancel reminder", then the bot is killed', async () => {
  const sentAt = Date.now();
  const card = await say('Remind me in 1 minute to stretch', /^⏰ Reminder set for .*stretch/);
  const repliedAt = Date.now();
  state.stretchDueFrom = sentAt + 60_000;
  state.stretchDueTo = repliedAt + 60_000;
  const local = new Set([clockIn(state.stretchDueFrom, ZONE), clockIn(state.stretchDueTo, ZONE)]);
  const shown = /, (\d\d:\d\d) \(Europe\/Berlin\)/.exec(card.text)?.[1];
  assert.ok(shown && local.has(shown), `card shows Berlin time ${[...local].join(' or ')}: ${card.text}`);
  // Berlin is never at UTC's or New York's offset, so the default or host zone would have shown another time.
  assert.notEqual(shown, clockIn(state.stretchDueFrom, 'UTC'));
  assert.notEqual(shown, clockIn(state.stretchDueFrom, 'America/New_York'));
  assert.deepEqual(
    buttonsOf(card).map((b) => b.text),
    ['✖️ Cancel reminder'],
  );

  const exit = await bot?.kill('SIGKILL');
  assert.equal(exit?.signal, 'SIGKILL');
  assert.ok(Date.now() < state.stretchDueFrom - 5_000, 'killed well before the reminder is due');
  assert.ok(Date.now() < state.dailyAt - 10_000, 'killed well before the scheduled prompt is due');
});

test('lifetime 2: after a restart, Delete deletes the schedule (with Undo) and the user gets the final answer', async () => {
  state.restartedAt = Date.now();
  bot = await startBot({ env });
  const prompt = state.prompts['call mom'];
  assert.ok(prompt, 'the approval prompt from lifetime 1');
  const approve = buttonsOf(prompt).find((b) => b.text === 'Delete');
  assert.ok(approve, 'a Delete button');
  const from = gemini.requests.length;
  tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: approve.data });
  const final = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('🗑 Deleted: ⏰ Call mom'), {
    timeoutMs: 20_000,
    since: prompt.messageId,
  });
  assert.deepEqual(
    buttonsOf(final).map((b) => b.text),
    ['↩️ Undo'],
  );
  assert.ok(final.messageId > prompt.messageId, 'the final answer is a new message');
  assert.match(
    tg.message(USER, prompt.messageId)?.text ?? '',
    /✅ Delete — confirmed by/,
    'the prompt became an audit line',
  );
  assert.deepEqual(
    await openJobs(),
    [PROMPT_TEXT, 'dentist appointment', 'stretch'].sort(),
    'only the call mom reminder is gone',
  );
  const [gone] = await sqlRows("SELECT deleted_at, next_run_at FROM jobs WHERE text = 'call mom'");
  assert.ok(gone?.deleted_at, 'deleted (kept for Undo for a few minutes, then purged)');
  assert.equal(gone?.next_run_at, null, 'it will not fire');
  // Left out: the daily prompt's calls, and the "stretch" turn when the SIGKILL landed after Telegram showed its answer
  // but before the bot recorded it (that turn is replayed at restart; its job is not duplicated, see openJobs below).
  const resumed = gemini.requests
    .slice(from)
    .filter(
      (r) =>
        isGenerate(r) &&
        !isBackground(r) &&
        !r.lastUserText.includes(PROMPT_TEXT) &&
        !/\bstretch\b/.test(r.lastUserText),
    );
  assert.deepEqual(
    resumed.map((r) => roleOf(r)),
    ['planner'],
    'the run resumed from the stored state: one planner call after the tool result',
  );
  const [fr] = lastFunctionResponses(resumed[0] as RecordedRequest);
  assert.equal(fr?.name, 'schedule_delete');
  assert.equal(fr?.response.ok, true);
});

test('lifetime 2: Keep leaves the schedule in place and the model is told it was denied', async () => {
  const prompt = state.prompts.dentist;
  assert.ok(prompt, 'the approval prompt from lifetime 1');
  const deny = buttonsOf(prompt).find((b) => b.text === 'Keep');
  assert.ok(deny, 'a Keep button');
  const from = gemini.requests.length;
  tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: deny.data });
  const final = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('Okay, I did not delete it.'), {
    timeoutMs: 20_000,
    since: 'any',
  });
  assert.match(final.text, /denied/);
  assert.match(tg.message(USER, prompt.messageId)?.text ?? '', /✖️ Keep — nothing was done/);
  const resumed = gemini.requests.slice(from).find((r) => roleOf(r) === 'planner');
  const [fr] = resumed ? lastFunctionResponses(resumed) : [];
  assert.equal(fr?.name, 'schedule_delete');
  assert.match(String(fr?.response.error), /denied/, 'the model is told the user denied it');
  assert.deepEqual(
    await openJobs(),
    ['dentist appointment', PROMPT_TEXT, 'stretch'].sort(),
    'the dentist reminder is kept',
  );
});

test('lifetime 2: the stretch reminder arrives once, on time, with no generate call at firing', async (t) => {
  const mark = gemini.requests.length;
  const reminder = await tg.waitForBotMessage(USER, (m) => m.text === '⏰ stretch', {
    timeoutMs: Math.max(5_000, state.stretchDueTo - Date.now() + 15_000),
    since: 'any',
  });
  const arrivedAt = Date.now();
  assert.ok(arrivedAt >= state.stretchDueFrom, 'not early');
  assert.ok(arrivedAt <= state.stretchDueTo + 5_000, `on time (${arrivedAt - state.stretchDueTo} ms after due)`);
  assert.deepEqual(
    buttonsOf(reminder).map((b) => b.text),
    ['💤 Snooze 10 min', '💤 Snooze 1 hour', '💤 Tomorrow', '✅ Done'],
  );
  await sleep(2_000);
  assert.equal(tg.botMessages(USER).filter((m) => m.text === '⏰ stretch').length, 1, 'exactly one reminder');
  const runs = await sqlRows("SELECT r.status FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.text = 'stretch'");
  assert.deepEqual(
    runs.map((r) => r.status),
    ['delivered'],
  );
  // The daily prompt may fire in the same window; its calls carry its prompt. Nothing else may call the model.
  const window = gemini.requests.slice(mark).filter(isGenerate);
  const forReminder = window.filter((r) => !isBackground(r) && !r.lastUserText.includes(PROMPT_TEXT));
  assert.deepEqual(
    forReminder.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
    [],
    'no generate call for the reminder',
  );
  t.diagnostic(
    `generate calls while waiting for the reminder: ${window.length} (all for the scheduled prompt or background memory)`,
  );
});

test('lifetime 2: the daily scheduled prompt posts its Network result at the right local time', async (t) => {
  const posted = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('🗓') && m.text.includes(QUOTE), {
    timeoutMs: Math.max(5_000, state.dailyAt - Date.now() + 15_000),
    since: 'any',
  });
  const postedAtSec = posted.date;
  assert.ok(postedAtSec * 1000 >= state.dailyAt - 1000, 'not early');
  assert.ok(
    postedAtSec * 1000 <= state.dailyAt + 6_000,
    `on time (${postedAtSec * 1000 - state.dailyAt} ms after due)`,
  );
  assert.ok(posted.text.includes(PROMPT_TEXT), 'headed with the prompt');
  // The run is recorded as delivered right after Telegram returned the message id.
  let runs: Record<string, unknown>[] = [];
  for (let i = 0; i < 50; i++) {
    runs = await sqlRows(
      "SELECT r.scheduled_for, r.status FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'prompt'",
    );
    if (runs.every((r) => r.status !== 'claimed')) break;
    await sleep(100);
  }
  assert.deepEqual(
    runs.map((r) => [Number(r.scheduled_for), r.status]),
    [[state.dailyAt, 'delivered']],
  );
  assert.equal(
    clockIn(Number(runs[0]?.scheduled_for), ZONE),
    clockIn(state.dailyAt, ZONE),
    'ran at the local time asked for',
  );
  const calls = gemini.requests.filter(
    (r) => isGenerate(r) && r.lastUserText.includes(PROMPT_TEXT) && r.at >= state.restartedAt,
  );
  assert.deepEqual(
    calls.map((r) => roleOf(r)),
    ['router', 'assistant'],
    'the prompt ran through the Network (router → assistant)',
  );
  t.diagnostic(
    `scheduled prompt: ${calls.length} generate calls (router → assistant), posted ${postedAtSec * 1000 - state.dailyAt} ms after ${clockIn(state.dailyAt, ZONE)} ${ZONE}`,
  );
  assert.deepEqual(
    unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
    [],
    'every model request was scripted',
  );
  const exit = await bot?.kill('SIGTERM', 8000);
  assert.equal(exit?.code, 0, 'stops cleanly');
});

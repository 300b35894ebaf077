/**
 * Issue 17, point 1 (skills), through the whole app (src/app.ts wired as main.ts wires it, in-process against the
 * fake Bot API and fake Gemini, with a clock the test moves forward):
 * - a skill saved in chat ("save what you just did as a skill called weekly review") is run by name after /new: the
 *   instructions come from the stored skill, not from the conversation;
 * - it is scheduled (schedule_create with `skill`; an unknown name is refused naming the skills that exist), the card
 *   shows the routine, and the job fires once its time comes: a turn that runs the skill, its answer posted;
 * - /skills lists it with buttons (view, run, edit, delete with a confirmation), a guided /skills new saves one, and
 *   a button whose skill is gone says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const ALICE = 7701;
const BOB = 7702;
const GROUP = -100_7700;
const WAIT = { timeoutMs: 20_000 };
const STEPS = "List this week's wins, the open tasks, and three priorities for next week.";

/** The system clock, shifted forward by what the test adds (the scheduler reads `now` from it). */
function shiftedClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    advance(ms) {
      offset += ms;
    },
  };
}

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
const clock = shiftedClock();
const seen: {
  assistantTasks: string[];
  skillRuns: Record<string, unknown>[];
  searches: Record<string, unknown>[];
  creates: Record<string, unknown>[];
} = { assistantTasks: [], skillRuns: [], searches: [], creates: [] };

function router(req: RecordedRequest): Reply | undefined {
  const text = req.lastUserText;
  const [fr] = lastFunctionResponses(req);
  if (fr?.name === 'skill_save')
    return { text: fr.response.ok ? 'Saved your skill “weekly review”.' : `Not saved: ${String(fr.response.error)}` };
  if (fr?.name === 'skill_run') {
    seen.skillRuns.push(fr.response);
    const steps = fr.response.instructions;
    if (typeof steps !== 'string') return { text: `No such skill: ${String(fr.response.error)}` };
    return { functionCalls: [{ name: 'agent_assistant', args: { task: steps } }] };
  }
  if (fr?.name === 'skill_search') {
    seen.searches.push(fr.response);
    const [first] = (fr.response.skills ?? []) as { name: string }[];
    return first
      ? { functionCalls: [{ name: 'skill_run', args: { name: first.name } }] }
      : { text: 'No saved skill for that.' };
  }
  if (fr?.name === 'agent_planner') return { text: String(fr.response.answer ?? fr.response.text ?? 'ok') };
  if (fr) return undefined;
  if (/^review my week/i.test(text)) return { text: 'Wins: shipped the release. Open: taxes. Next: rest.' };
  if (/save what you just did as a skill called weekly review/i.test(text))
    return {
      functionCalls: [
        {
          name: 'skill_save',
          args: {
            name: 'weekly review',
            description: "Review the user's past week: wins, open tasks and next week's priorities.",
            instructions: STEPS,
          },
        },
      ],
    };
  if (/^do my /i.test(text)) return { functionCalls: [{ name: 'skill_search', args: { query: text } }] };
  if (/^run weekly review$/i.test(text))
    return { functionCalls: [{ name: 'skill_run', args: { name: 'weekly review' } }] };
  // A scheduled run: the turn's text is the skill's instructions, framed as the user's own request.
  if (text.startsWith('Run your saved skill "weekly review"'))
    return { functionCalls: [{ name: 'agent_assistant', args: { task: text } }] };
  if (/^schedule/i.test(text)) return { functionCalls: [{ name: 'agent_planner', args: { task: text } }] };
  return { text: 'router answer' };
}

function planner(req: RecordedRequest): Reply | undefined {
  const [fr] = lastFunctionResponses(req);
  if (fr?.name === 'schedule_create')
    return { text: fr.response.ok ? 'Scheduled.' : `I couldn't: ${String(fr.response.error)}` };
  if (fr) return undefined;
  const skill = /schedule (.+) in 30 minutes/i.exec(req.lastUserText)?.[1];
  if (!skill) return undefined;
  const args = { skill, when: { in: { minutes: 30 } } };
  seen.creates.push(args);
  return { functionCalls: [{ name: 'schedule_create', args }] };
}

function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  if (role === 'router') return router(req);
  if (role === 'planner') return planner(req);
  if (role === 'assistant') {
    seen.assistantTasks.push(req.lastUserText);
    if (req.lastUserText.startsWith('Run your saved skill')) return { text: 'SKILL RUN: 3 wins, 2 open tasks.' };
    return { text: req.lastUserText.includes(STEPS) ? 'REVIEW: 3 wins, 2 open tasks.' : 'assistant answer' };
  }
  return undefined;
}

const lastId = (chatId: number) => tg.transcript(chatId).at(-1)?.messageId ?? 0;

async function say(text: string, expect: (m: TranscriptEntry) => boolean): Promise<TranscriptEntry> {
  const since = lastId(ALICE);
  tg.sendUserMessage({ chatId: ALICE, firstName: 'Alice', text });
  return tg.waitForBotMessage(ALICE, expect, { ...WAIT, since });
}

/** Presses a button and returns the toast or alert the presser sees. */
async function press(m: TranscriptEntry, label: string | RegExp) {
  const b = buttonsOf(m).find((x) => (typeof label === 'string' ? x.text === label : label.test(x.text)));
  assert.ok(b, `a "${String(label)}" button on: ${m.text} ${JSON.stringify(buttonsOf(m))}`);
  const update = tg.pressButton({ chatId: ALICE, messageId: m.messageId, data: b.data, userId: ALICE });
  const id = update.callback_query!.id;
  return tg.waitFor(() => tg.callbackAnswers().find((a) => a.callbackQueryId === id), { label: `answer to ${b.data}` });
}

const current = (m: TranscriptEntry) => tg.transcript(ALICE).find((e) => e.messageId === m.messageId)!;
const becomes = (m: TranscriptEntry, test: (e: TranscriptEntry) => boolean, label: string) =>
  tg.waitFor(() => (test(current(m)) ? current(m) : undefined), { ...WAIT, label });

describe('skills (issue 17, point 1)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(route);
    // Paraphrases land close, as real embeddings do: "recap" means "review", "week" and "weekly" are one word.
    gemini.setEmbeddingConcepts([
      ['week', 'weekly'],
      ['review', 'recap'],
    ]);
    app = await startWholeApp({ tg, gemini, allowedUserIds: [ALICE, BOB], clock });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('a skill saved in chat is run by name after /new, from the stored skill', async () => {
    await say('review my week', (m) => m.text.includes('shipped the release'));
    await say('save what you just did as a skill called weekly review', (m) => /Saved your skill/.test(m.text));
    const [row] = await app.store.query('SELECT name, description, instructions FROM skills WHERE owner_user_id = ?', [
      ALICE,
    ]);
    assert.equal(row?.name, 'weekly review');
    assert.equal(row?.instructions, STEPS);

    await say('/new', (m) => m.text.startsWith('🆕'));
    const answer = await say('run weekly review', (m) => m.text.includes('REVIEW: 3 wins'));
    assert.equal(answer.text, 'REVIEW: 3 wins, 2 open tasks.');
    const run = seen.skillRuns.at(-1);
    assert.equal(run?.ok, true);
    assert.equal(run?.instructions, STEPS, 'skill_run returned the stored steps');
    assert.ok(seen.assistantTasks.at(-1)?.includes(STEPS), 'the steps were carried out');
    const embedded = await app.store.query('SELECT embedding FROM skills WHERE owner_user_id = ?', [ALICE]);
    assert.ok(embedded[0]?.embedding != null, 'the description was embedded on save');
  });

  it('the router finds a skill by meaning ("do my weekly recap") and runs it; an unrelated request finds none', async () => {
    const answer = await say('do my weekly recap', (m) => m.text.includes('REVIEW: 3 wins'));
    assert.equal(answer.text, 'REVIEW: 3 wins, 2 open tasks.');
    const found = seen.searches.at(-1)?.skills as { name: string; match: string; score: number }[];
    assert.deepEqual(
      found.map((f) => [f.name, f.match]),
      [['weekly review', 'meaning']],
    );
    assert.ok((found[0]?.score ?? 0) >= 0.55, 'above the default threshold');
    await say('do my tax filing', (m) => m.text === 'No saved skill for that.');
    assert.deepEqual(seen.searches.at(-1)?.skills, []);
  });

  it('an unknown skill cannot be scheduled: the error names the skills that exist', async () => {
    const reply = await say('schedule monthly review in 30 minutes', (m) => /couldn't|Scheduled/.test(m.text));
    assert.match(reply.text, /I couldn't: There is no skill named "monthly review".*"weekly review"/s);
    const jobs = await app.app.scheduler.list({ ownerUserId: ALICE });
    assert.equal(jobs.length, 0);
  });

  it('a scheduled skill shows on its card and fires when its time comes', async () => {
    const since = lastId(ALICE);
    tg.sendUserMessage({ chatId: ALICE, firstName: 'Alice', text: 'schedule weekly review in 30 minutes' });
    const card = await tg.waitForBotMessage(ALICE, (m) => m.text.includes('weekly review (skill)'), {
      ...WAIT,
      since,
    });
    assert.ok(
      buttonsOf(card).some((b) => /Cancel/.test(b.text)),
      card.text,
    );
    const [job] = await app.app.scheduler.list({ ownerUserId: ALICE });
    assert.ok(job);
    assert.equal(job.target?.type, 'skill');
    assert.equal(job.kind, 'prompt');

    clock.advance(31 * 60_000);
    const fired = lastId(ALICE);
    await app.app.scheduler.tick();
    const posted = await tg.waitForBotMessage(ALICE, (m) => m.text.includes('SKILL RUN'), {
      ...WAIT,
      since: fired,
    });
    assert.match(posted.text, /weekly review \(skill\)[\s\S]*SKILL RUN: 3 wins, 2 open tasks\./);
    const task = seen.assistantTasks.at(-1) ?? '';
    assert.ok(task.startsWith('Run your saved skill "weekly review"') && task.includes(STEPS), task);
    const [runRow] = await app.store.query('SELECT status FROM job_runs WHERE job_id = ?', [job.id]);
    assert.equal(runRow?.status, 'delivered');
  });

  it('/skills lists the skill with buttons: view, run, delete asks first, Keep keeps it', async () => {
    const list = await say('/skills', (m) => m.text.startsWith('🧩 Your skills'));
    assert.match(list.text, /weekly review — Review the user's past week/);
    await press(list, '🧩 weekly review');
    const card = await becomes(list, (e) => e.text.startsWith('🧩 weekly review\n'), 'the card');
    assert.ok(card.text.includes(STEPS));
    assert.deepEqual(
      buttonsOf(card).map((b) => b.text),
      ['▶️ Run', '✏️ Edit', '🗑 Delete', '« All skills'],
    );

    const since = lastId(ALICE);
    const toast = await press(card, '▶️ Run');
    assert.equal(toast.text, '▶️ Running “weekly review”…');
    // The button runs the skill as a turn framed as the user's own request.
    await tg.waitForBotMessage(ALICE, (m) => m.text === 'SKILL RUN: 3 wins, 2 open tasks.', { ...WAIT, since });

    await press(current(card), '🗑 Delete');
    const confirm = await becomes(card, (e) => e.text.startsWith('Delete the skill “weekly review”?'), 'confirm');
    await press(confirm, 'Keep');
    await becomes(card, (e) => e.text.startsWith('🧩 weekly review\n'), 'kept: the card again');
    assert.equal((await app.store.query('SELECT id FROM skills')).length, 1);
  });

  it('a guided /skills new saves a skill; Delete → Yes deletes it; its old buttons then say it is gone', async () => {
    await say('/skills new', (m) => m.text.startsWith('🧩 New skill.'));
    await say('x', (m) => m.text.startsWith("That doesn't work: the name needs at least 2 characters"));
    await say('Weekly Review', (m) => m.text.startsWith('You already have a skill called “weekly review”'));
    await say('morning briefing', (m) => m.text.startsWith('“morning briefing”: in one sentence'));
    await say('Weather and calendar for today.', (m) => m.text.startsWith('Now the steps'));
    const saved = await say('Check the weather, then list my meetings.', (m) => m.text.startsWith('✅ Saved'));
    assert.equal(saved.text.split('.')[0], '✅ Saved the skill “morning briefing”');
    const rows = await app.store.query('SELECT name, description, instructions FROM skills WHERE name = ?', [
      'morning briefing',
    ]);
    assert.deepEqual(
      { ...rows[0] },
      {
        name: 'morning briefing',
        description: 'Weather and calendar for today.',
        instructions: 'Check the weather, then list my meetings.',
      },
    );

    const list = await say('/skills', (m) => m.text.startsWith('🧩 Your skills'));
    await press(list, '🧩 morning briefing');
    const card = await becomes(list, (e) => e.text.startsWith('🧩 morning briefing'), 'the card');
    const stale = { ...card };
    await press(card, '🗑 Delete');
    const confirm = await becomes(card, (e) => e.text.startsWith('Delete the skill'), 'confirm');
    const toast = await press(confirm, '🗑 Yes, delete');
    assert.equal(toast.text, 'Deleted');
    const after = await becomes(list, (e) => e.text.startsWith('🗑 Deleted the skill “morning briefing”.'), 'deleted');
    assert.ok(!buttonsOf(after).some((b) => b.text.includes('morning briefing')));
    assert.equal((await app.store.query('SELECT id FROM skills WHERE name = ?', ['morning briefing'])).length, 0);

    // A Run button kept from before (the card as it was): the skill is gone, and the press says so.
    const gone = await press(stale, '▶️ Run');
    assert.equal(gone.text, 'That skill no longer exists (deleted, or not yours). Send /skills to see your skills.');
  });

  it("in a group, a skill is its owner's there; someone else's press on their /skills buttons changes nothing", async () => {
    const since = tg.transcript(GROUP).at(-1)?.messageId ?? 0;
    tg.sendUserMessage({ chatId: GROUP, userId: ALICE, firstName: 'Alice', text: '/skills' });
    const list = await tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('🧩 Your skills in this group'), {
      ...WAIT,
      since,
    });
    assert.ok(list.text.includes('You have no skills yet'), "Alice's private skills are not this group's");
    const before = { text: list.text, buttons: buttonsOf(list) };
    const newButton = buttonsOf(list).find((b) => b.text === '➕ New skill');
    assert.ok(newButton);
    const update = tg.pressButton({ chatId: GROUP, messageId: list.messageId, data: newButton.data, userId: BOB });
    const id = update.callback_query!.id;
    const answer = await tg.waitFor(() => tg.callbackAnswers().find((a) => a.callbackQueryId === id), WAIT);
    assert.equal(
      answer.text,
      'Only the person who opened this can use these buttons. Send /skills to see your own skills.',
    );
    const now = tg.transcript(GROUP).find((e) => e.messageId === list.messageId);
    assert.deepEqual({ text: now?.text, buttons: buttonsOf(now) }, before);
  });
});

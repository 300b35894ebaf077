/**
 * /export shows and /wipe erases everything stored about a user, through the whole app (src/app.ts) against the fake
 * Bot API and the fake Gemini on a real libSQL file: memory, the raw journal, a schedule, a paused question (its run,
 * approval and audit trail), the profile. After /wipe the phrase the user sent is in no row of any table and nowhere
 * in the database file or its WAL; the paused question can't be resumed; a turn that was still running when the
 * user wiped does not write the conversation back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFakeGemini, type FakeGemini, type RecordedRequest, type Reply } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from '../e2e/acceptance-support.ts';
import { filesMentioning, rowsMentioning } from './support.ts';

const USER = 8101;
const OTHER = 8202;
const GROUP = -100_8101;
const GROUP_2 = -100_8102;
const PHRASE = 'Quokkaberry Lantern 7731';
const GROUP_PHRASE = 'Marmalade Zeppelin 5512';

/** The router answers small talk itself and sends schedules and questions to the planner; the planner acts. */
function brain(hold: { group?: Promise<void> }) {
  return async (req: RecordedRequest): Promise<Reply | undefined> => {
    if (req.kind === 'embed') return undefined;
    const role = roleOf(req);
    if (role === 'extraction')
      return { text: JSON.stringify([{ fact: `User's code word is ${PHRASE}`, category: 'personal' }]) };
    if (role === 'summary') return { text: 'Earlier: small talk.' };
    const text = req.lastUserText;
    if (role === 'router') {
      if (/remind me|ask me/i.test(text)) return { functionCalls: [{ name: 'agent_planner', args: { task: text } }] };
      if (text.includes(GROUP_PHRASE)) {
        await hold.group;
        return { text: `About ${GROUP_PHRASE}: noted.` };
      }
      if (/remind me|ask me/i.test(text)) return { functionCalls: [{ name: 'agent_planner', args: { task: text } }] };
      return { text: text.includes('other user') ? 'Hi!' : `Noted: ${PHRASE}.` };
    }
    if (role === 'planner') {
      if (lastFunctionResponses(req).length > 0) return { text: 'Done.' };
      if (/remind me/i.test(text))
        return {
          functionCalls: [
            {
              name: 'schedule_create',
              args: { kind: 'reminder', text: `${PHRASE} check`, when: { in: { hours: 5 } } },
            },
          ],
        };
      if (/ask me/i.test(text) && text.includes(GROUP_PHRASE)) {
        await hold.group;
        return {
          functionCalls: [
            { name: 'ask_user', args: { question: `Which ${GROUP_PHRASE}?`, options: ['This one', 'That one'] } },
          ],
        };
      }
      if (/ask me/i.test(text))
        return {
          functionCalls: [
            {
              name: 'ask_user',
              args: { question: `Which ${PHRASE} do you mean?`, options: ['The red one', 'The blue one'] },
            },
          ],
        };
    }
    return { text: 'ok' };
  };
}

async function say(tg: FakeTelegram, chatId: number, text: string, expected?: RegExp): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId, userId: USER, text });
  return tg.waitForBotMessage(chatId, expected ? (m) => expected.test(m.text) : undefined, 20_000);
}

/** /wipe, then the confirmation button; resolves with the edited confirmation once the wipe is done. */
async function wipe(tg: FakeTelegram): Promise<TranscriptEntry> {
  const prompt = await say(tg, USER, '/wipe', /Erase everything/);
  const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
  assert.ok(yes, 'a Yes button');
  tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: yes.data, userId: USER });
  await tg.waitFor(() => /^Done\. I erased/.test(tg.message(USER, prompt.messageId)?.text ?? '') || undefined, {
    timeoutMs: 20_000,
    label: 'wipe done',
  });
  return tg.botMessages(USER).find((m) => m.messageId === prompt.messageId) as TranscriptEntry;
}

describe('/export and /wipe cover every table', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;
  let question: TranscriptEntry;

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(brain({}));
    w = await startWholeApp({ tg, gemini, allowedUserIds: [USER, OTHER] });
    await say(tg, USER, `My code word is ${PHRASE}. Keep it in mind.`, /Noted/);
    await say(tg, USER, `Remind me in 5 hours to check the ${PHRASE}.`, /Reminder set for/);
    await say(tg, USER, `What do you know about the ${PHRASE} so far?`, /Noted/);
    await say(tg, USER, `Ask me which ${PHRASE} I mean.`, /Which/);
    question = tg.botMessages(USER).find((m) => buttonsOf(m).some((b) => b.data.startsWith('q:'))) as TranscriptEntry;
    assert.ok(question, 'the question prompt with buttons');
    // Background fact extraction (every 3 messages) has stored the phrase as a fact.
    await tg.waitFor(
      async () =>
        (await w.store.get("SELECT 1 AS x FROM memory_facts WHERE text LIKE '%Quokkaberry%'")) !== undefined ||
        undefined,
      {
        label: 'fact extracted',
      },
    );
    // Someone else's data must survive the wipe.
    tg.sendUserMessage({ chatId: OTHER, userId: OTHER, text: 'Hello there, I am the other user.' });
    await tg.waitForBotMessage(OTHER, undefined, 20_000);
  });

  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('/export holds the schedule, the paused question, settings, facts, messages and the raw updates — and no secret', async () => {
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(USER).find((m) => m.kind === 'document'), {
      label: 'export document',
    });
    const file = tg.file(doc.document?.fileId ?? '');
    assert.ok(file, 'the export file');
    const raw = Buffer.from(file.data).toString('utf8');
    const data = JSON.parse(raw) as { profile: Record<string, unknown> } & Record<
      'messages' | 'facts' | 'schedules' | 'requests' | 'journal',
      unknown[]
    >;

    assert.ok(
      data.messages.some((m) => JSON.stringify(m).includes(PHRASE)),
      'messages',
    );
    assert.ok(
      data.facts.some((f) => JSON.stringify(f).includes(PHRASE)),
      'facts',
    );
    const schedules = data.schedules as { text: string; kind: string }[];
    assert.deepEqual(
      schedules.map((s) => [s.kind, s.text]),
      [['reminder', `${PHRASE} check`]],
    );
    const requests = data.requests as {
      status: string;
      text: string;
      calls: { kind: string; question: string; status: string }[];
    }[];
    const open = requests.find((r) => r.status === 'waiting');
    assert.ok(open, 'the paused request');
    assert.match(open.text, /Ask me which/);
    assert.deepEqual(
      open.calls.map((c) => [c.kind, c.question, c.status]),
      [['question', `Which ${PHRASE} do you mean?`, 'pending']],
    );
    assert.equal(typeof data.profile.access, 'string');
    assert.ok('settings' in data.profile && 'timezone' in data.profile, 'settings and time zone');
    const journal = data.journal as { update: { message?: { text?: string } } }[];
    assert.ok(
      journal.some((u) => u.update.message?.text?.includes('Remind me in 5 hours')),
      'raw updates of the journal',
    );
    assert.ok(!raw.includes('the other user'), 'nothing of another user');
    for (const secret of [tg.token, gemini.apiKey]) assert.ok(!raw.includes(secret), 'no token or key in the export');
  });

  it('/wipe cancels the paused question first and leaves no trace of the phrase in any table, the file or the WAL', async () => {
    const before = await rowsMentioning(w.store, 'Quokkaberry');
    for (const table of [
      'updates',
      'memory_messages',
      'memory_facts',
      'jobs',
      'approval_runs',
      'approvals',
      'run_events',
    ]) {
      assert.ok(
        before.some((h) => h.startsWith(`${table}.`)),
        `the phrase is in ${table} before the wipe (${before.join(', ')})`,
      );
    }
    const plannerCalls = () => gemini.generateCalls().filter((r) => roleOf(r) === 'planner').length;
    const calls = plannerCalls();

    const done = await wipe(tg);
    assert.deepEqual(await rowsMentioning(w.store, 'Quokkaberry'), [], 'no row of any table mentions the phrase');
    assert.deepEqual(
      filesMentioning(w.db.path, 'Quokkaberry'),
      [],
      'neither the database file nor the WAL holds the phrase',
    );
    const profile = await w.store.get('SELECT first_name, timezone, settings, access FROM users WHERE id = ?', [USER]);
    assert.deepEqual(
      { ...profile },
      { first_name: null, timezone: null, settings: '{}', access: 'allowed' },
      'the profile is cleared, access stays',
    );
    assert.match(done.text, /^Done\. I erased \d+ messages, 1 fact, 1 schedule, 1 pending request and everything else/);

    // The question can't be answered any more, and nothing resumes.
    const option = buttonsOf(question).find((b) => b.data.startsWith('q:'));
    assert.ok(option, 'an option button');
    const answers = tg.callbackAnswers().length;
    tg.pressButton({ chatId: USER, messageId: question.messageId, data: option.data, userId: USER });
    const answer = await tg.waitFor(() => tg.callbackAnswers()[answers], { label: 'answer to the old question' });
    assert.match(answer.text ?? '', /isn't available any more/);
    assert.match(tg.message(USER, question.messageId)?.text ?? '', /Cancelled: this request was erased/);
    await w.app.approvals.sweep();
    await w.app.approvals.idle();
    assert.equal(plannerCalls(), calls, 'no paused run resumed after the wipe');

    for (const [table, column] of [
      ['memory_messages', 'user_id'],
      ['memory_facts', 'user_id'],
      ['jobs', 'owner_user_id'],
      ['approval_runs', 'user_id'],
      ['approvals', 'requested_by'],
      ['updates', 'user_id'],
    ]) {
      const row = await w.store.get(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`, [USER]);
      assert.equal(Number(row?.n), table === 'updates' ? 1 : 0, `${table} rows of the user`); // updates: the button press after the wipe
    }
    const other = await w.store.get('SELECT COUNT(*) AS n FROM memory_messages WHERE user_id = ?', [OTHER]);
    assert.equal(Number(other?.n), 2, "the other user's messages stay");
  });
});

describe('/wipe while a turn of the user is still running', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
  });
  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('running turns neither write the conversation back nor pause for a decision after the wipe', async () => {
    let release: () => void = () => undefined;
    const hold = { group: new Promise<void>((r) => (release = r)) };
    gemini.setHandler(brain(hold));
    w = await startWholeApp({ tg, gemini, allowedUserIds: [USER] });
    await say(tg, USER, 'Hello, nice to meet you.', /Noted/);

    // Two turns of the user in two groups, both waiting for the model when the user wipes: one will answer, one
    // will ask a question (a pause for a decision).
    const answering = tg.sendUserMessage({
      chatId: GROUP,
      userId: USER,
      text: `@${tg.botUser.username} what about ${GROUP_PHRASE}?`,
    });
    const asking = tg.sendUserMessage({
      chatId: GROUP_2,
      userId: USER,
      text: `@${tg.botUser.username} ask me about ${GROUP_PHRASE}`,
    });
    await gemini.waitFor(
      () => {
        const calls = gemini.generateCalls().filter((r) => r.lastUserText.includes(GROUP_PHRASE));
        return (
          (calls.some((r) => roleOf(r) === 'router' && !/ask me/.test(r.lastUserText)) &&
            calls.some((r) => roleOf(r) === 'planner')) ||
          undefined
        );
      },
      { label: 'both group turns reached the model' },
    );

    await wipe(tg);
    release();
    await tg.waitForBotMessage(GROUP, (m) => m.text.includes('noted'), 20_000);
    const finished = async (id: number) =>
      (await w.store.get("SELECT 1 AS x FROM updates WHERE update_id = ? AND state = 'done'", [id])) !== undefined;
    await tg.waitFor(
      async () => ((await finished(answering.update_id)) && (await finished(asking.update_id))) || undefined,
      {
        label: 'both group updates finished',
      },
    );
    const rows = await w.store.get('SELECT COUNT(*) AS n FROM memory_messages WHERE user_id = ?', [USER]);
    assert.equal(Number(rows?.n), 0, 'no message of the user stored after the wipe');
    const runs = await w.store.get('SELECT COUNT(*) AS n FROM approval_runs WHERE user_id = ?', [USER]);
    assert.equal(Number(runs?.n), 0, 'no paused request stored after the wipe');
    assert.equal(
      tg.botMessages(GROUP_2).filter((m) => buttonsOf(m).length > 0).length,
      0,
      'no question prompt in the group',
    );
    assert.deepEqual(await rowsMentioning(w.store, 'Zeppelin'), []);

    // The user's next message after the wipe is remembered again.
    await say(tg, USER, 'A fresh start then.', /Noted/);
    const fresh = await w.store.get('SELECT COUNT(*) AS n FROM memory_messages WHERE user_id = ?', [USER]);
    assert.equal(Number(fresh?.n), 2);
  });
});

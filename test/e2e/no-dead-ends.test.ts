/**
 * Issue 12 point 1 ("No dead ends") through the real entry point (src/main.ts in a child process), reading the
 * transcript a user sees: every Retry button shown retries (also the second and third time), no message keeps saying
 * "tap Retry" once its button is gone, /stop with nothing running says so, and buttons whose action is no longer
 * possible are taken away or answer what happened (/users after a decision, Continue pressed twice, a question
 * answered twice, a stale /wipe confirmation, a Retry whose message the journal no longer has).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';
import { createPruner } from '../../src/retention/pruner.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import {
  type CallbackAnswer,
  type FakeTelegram,
  type TranscriptEntry,
  createFakeTelegram,
} from '../support/fake-telegram.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { buttonsOf, isBackground, isGenerate, lastFunctionResponses, roleOf, sleep } from './acceptance-support.ts';

const OWNER = 6101;
const BOB = 6102;
const CAROL = 6103;
const GROUP = -100_610;
const DAY_MS = 24 * 60 * 60 * 1000;
const WAIT = { timeoutMs: 20_000 };

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: TempDb;
let store: Store;
let bot: ChildBot;

function route(req: RecordedRequest): Reply | undefined {
  if (req.kind === 'embed') return undefined;
  const role = roleOf(req);
  const text = req.lastUserText;
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  if (role === 'router') {
    // Never finishes on its own: the turn stops at the step limit with a Continue button.
    if (/keep going/.test(text)) return { functionCalls: [{ name: 'current_time', args: {} }] };
    if (text === 'continue') return { text: 'Picked up where I left off.' };
    if (/ask me/.test(text) && lastFunctionResponses(req).length === 0)
      return { functionCalls: [{ name: 'agent_assistant', args: { task: text } }] };
    return { text: `answer to: ${text}` };
  }
  if (role === 'assistant') {
    const answered = lastFunctionResponses(req).find((r) => r.name === 'ask_user');
    if (answered) return { text: `You chose ${String(answered.response.answer)}.` };
    return { functionCalls: [{ name: 'ask_user', args: { question: 'Tea or coffee?', options: ['Tea', 'Coffee'] } }] };
  }
  return undefined;
}

const retryData = (m: TranscriptEntry | undefined) => buttonsOf(m).find((b) => b.data.startsWith('sys:retry:'))?.data;
const now = (chat: number, id: number) => tg.botMessages(chat).find((m) => m.messageId === id);

/** Presses a button as `userId` and waits for the bot's answer to that press (and the press's update id). */
async function press(
  chat: number,
  messageId: number,
  data: string,
  userId = chat > 0 ? chat : OWNER,
): Promise<CallbackAnswer & { updateId: number }> {
  const firstName = userId === OWNER ? 'Olga' : userId === BOB ? 'Bob' : 'Carol';
  const update = tg.pressButton({ chatId: chat, messageId, data, userId, firstName });
  const id = update.callback_query?.id;
  const answer = await tg.waitFor(() => tg.callbackAnswers().find((a) => a.callbackQueryId === id), {
    ...WAIT,
    label: `answer to ${data}`,
  });
  return { ...answer, updateId: update.update_id };
}

/** Waits until the child has finished an update (its journal row is closed). */
async function settled(updateId: number): Promise<void> {
  const deadline = Date.now() + WAIT.timeoutMs;
  for (;;) {
    const row = await store.get('SELECT state FROM updates WHERE update_id = ?', [updateId]);
    if (row && ['done', 'failed'].includes(String(row.state))) return;
    if (Date.now() > deadline) throw new Error(`update ${updateId} did not finish: ${String(row?.state)}`);
    await sleep(50);
  }
}

/** Model calls made for turns (background fact extraction and compaction left out). */
const turnCalls = () => gemini.generateCalls().filter((r) => isGenerate(r) && !isBackground(r)).length;

/** Every bot message that tells the user to tap Retry still shows the Retry button. */
function assertNoRetryWithoutButton(chat: number): void {
  for (const m of tg.botMessages(chat)) {
    if (/tap retry/i.test(m.text)) assert.ok(retryData(m), `"${m.text}" says "tap Retry" but has no Retry button`);
  }
}

describe('no dead ends (issue 12 point 1), through src/main.ts', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(route);
    db = tempDbUrl('no-dead-ends');
    bot = await startBot({
      env: botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: `${OWNER},${BOB},${CAROL}`, PORT: '0', LOG_LEVEL: 'info' }),
    });
    store = await createStore({ url: db.url, migrations });
  });

  after(async () => {
    await bot.kill('SIGTERM');
    await store.close();
    await tg.close();
    await gemini.close();
    await db.cleanup();
  });

  it('Retry works every time it is shown: two failures, two Retries, then the answer; no message keeps saying "tap Retry" without the button', async () => {
    gemini.failNext(3, { status: 503 }); // every attempt of the turn's one model call
    tg.sendUserMessage({ chatId: OWNER, text: 'capital of France?' });
    const first = await tg.waitForBotMessage(OWNER, (m) => /tap Retry/.test(m.text), WAIT);
    const retry1 = retryData(first);
    assert.ok(retry1, 'the failure has a Retry button');

    gemini.failNext(3, { status: 503 });
    assert.equal((await press(OWNER, first.messageId, retry1)).text, 'Trying again…');
    const second = await tg.waitForBotMessage(OWNER, (m) => /tap Retry/.test(m.text) && m.messageId > first.messageId, {
      ...WAIT,
      since: 'any',
    });
    const retry2 = retryData(second);
    assert.ok(retry2, 'the retry that failed again ends with a fresh Retry button');
    assert.notEqual(retry2, retry1, 'the fresh button retries the new turn');
    await tg.waitFor(() => now(OWNER, first.messageId)?.text === '↻ Retried — see below.' || undefined, {
      ...WAIT,
      label: 'first failure edited',
    });
    assert.equal(retryData(now(OWNER, first.messageId)), undefined, 'the first failure lost its button');

    assert.equal((await press(OWNER, second.messageId, retry2)).text, 'Trying again…', 'the second Retry works too');
    await tg.waitForBotMessage(OWNER, (m) => m.text === 'answer to: capital of France?', {
      ...WAIT,
      since: second.messageId,
    });
    await tg.waitFor(() => now(OWNER, second.messageId)?.text === '↻ Retried — see below.' || undefined, {
      ...WAIT,
      label: 'second failure edited',
    });
    assertNoRetryWithoutButton(OWNER);

    // A late second tap on an old Retry (a double tap, an old client) runs nothing again.
    const calls = turnCalls();
    const late = await press(OWNER, first.messageId, retry1);
    assert.equal(late.text, 'Already retried — see below.');
    await settled(late.updateId);
    assert.equal(turnCalls(), calls, 'no model call');
    assert.equal(
      tg.botMessages(OWNER).filter((m) => m.text === 'answer to: capital of France?').length,
      1,
      'answered once',
    );
    const asked = await store.query(
      `SELECT text FROM memory_messages WHERE role = 'user' AND text = 'capital of France?'`,
    );
    assert.equal(asked.length, 1, 'the question is stored once, with its answer');
  });

  it('/stop with nothing running says so, in a private chat and in a group, also while a command is still being answered', async () => {
    tg.sendUserMessage({ chatId: OWNER, text: '/stop' });
    assert.equal((await tg.waitForBotMessage(OWNER, undefined, WAIT)).text, 'Nothing is running right now.');
    tg.sendUserMessage({ chatId: GROUP, userId: OWNER, firstName: 'Olga', text: '/stop', chatTitle: 'Family' });
    assert.equal((await tg.waitForBotMessage(GROUP, undefined, WAIT)).text, 'Nothing is running right now.');

    // Telegram is slow to take /help's answer: /stop overtakes it, but a command is not a reply in progress.
    for (const chat of [OWNER, GROUP]) {
      const since = tg.calls.length;
      tg.delayNext('sendMessage', 1500);
      tg.sendUserMessage({ chatId: chat, userId: OWNER, firstName: 'Olga', text: '/help', chatTitle: 'Family' });
      await tg.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === chat && tg.calls.indexOf(c) >= since,
        WAIT.timeoutMs,
      );
      tg.sendUserMessage({ chatId: chat, userId: OWNER, firstName: 'Olga', text: '/stop', chatTitle: 'Family' });
      const answer = await tg.waitForBotMessage(chat, (m) => /Stopped|Nothing is running/.test(m.text), WAIT);
      assert.equal(answer.text, 'Nothing is running right now.');
      await tg.waitForBotMessage(chat, (m) => /What I can do/.test(m.text), { ...WAIT, since: 'any' });
    }
  });

  it('in a group: a late Stop answers that the reply finished and leaves its Retry alone; only the asker can retry, and it works', async () => {
    gemini.failNext(3, { status: 503 });
    const asked = tg.sendUserMessage({
      chatId: GROUP,
      userId: OWNER,
      firstName: 'Olga',
      text: '@assistant_test_bot weather tomorrow?',
      chatTitle: 'Family',
    });
    const failure = await tg.waitForBotMessage(GROUP, (m) => /tap Retry/.test(m.text), WAIT);
    const retry = retryData(failure);
    assert.ok(retry);
    assert.equal(
      (await press(GROUP, failure.messageId, `sys:stop:${asked.update_id}`)).text,
      'That reply has already finished.',
    );
    assert.ok(retryData(now(GROUP, failure.messageId)), 'the Retry button is still there');

    assert.equal((await press(GROUP, failure.messageId, retry, BOB)).text, 'Only Olga can retry this.');
    assert.ok(retryData(now(GROUP, failure.messageId)), 'another member cannot use it up');
    assert.equal((await press(GROUP, failure.messageId, retry, OWNER)).text, 'Trying again…');
    await tg.waitForBotMessage(GROUP, (m) => m.text === 'answer to: weather tomorrow?', {
      ...WAIT,
      since: failure.messageId,
    });
    await tg.waitFor(() => now(GROUP, failure.messageId)?.text === '↻ Retried — see below.' || undefined, WAIT);
    assertNoRetryWithoutButton(GROUP);
  });

  it('Continue after the step limit continues once (in a group only for the asker); a second press answers that it already did', async () => {
    tg.sendUserMessage({ chatId: OWNER, text: 'keep going until done' });
    const limited = await tg.waitForBotMessage(
      OWNER,
      (m) => buttonsOf(m).some((b) => b.data.startsWith('sys:cont:')),
      WAIT,
    );
    const cont = buttonsOf(limited).find((b) => b.data.startsWith('sys:cont:'))!;
    // The continuation fails once; its Retry runs the Continue press again.
    gemini.failNext(3, { status: 503 });
    assert.equal((await press(OWNER, limited.messageId, cont.data)).text, 'Continuing…');
    assert.deepEqual(buttonsOf(now(OWNER, limited.messageId)), [], 'the Continue button went with the press');
    const failed = await tg.waitForBotMessage(OWNER, (m) => /tap Retry/.test(m.text), {
      ...WAIT,
      since: limited.messageId,
    });
    assert.equal((await press(OWNER, failed.messageId, retryData(failed)!)).text, 'Continuing…');
    await tg.waitForBotMessage(OWNER, (m) => m.text === 'Picked up where I left off.', {
      ...WAIT,
      since: failed.messageId,
    });

    const calls = turnCalls();
    const again = await press(OWNER, limited.messageId, cont.data);
    assert.equal(again.text, 'Already continued — see below.');
    await settled(again.updateId);
    assert.equal(turnCalls(), calls, 'no second continuation');
    assert.equal(tg.botMessages(OWNER).filter((m) => m.text === 'Picked up where I left off.').length, 1);

    // In a group, Continue runs a turn as the presser: only the person whose answer it is may press it.
    tg.sendUserMessage({
      chatId: GROUP,
      userId: OWNER,
      firstName: 'Olga',
      text: '@assistant_test_bot keep going in the group',
      chatTitle: 'Family',
    });
    const inGroup = await tg.waitForBotMessage(
      GROUP,
      (m) => buttonsOf(m).some((b) => b.data.startsWith('sys:cont:')),
      WAIT,
    );
    const groupCont = buttonsOf(inGroup).find((b) => b.data.startsWith('sys:cont:'))!;
    assert.equal((await press(GROUP, inGroup.messageId, groupCont.data, BOB)).text, 'Only Olga can continue this.');
    assert.ok(
      buttonsOf(now(GROUP, inGroup.messageId)).some((b) => b.data === groupCont.data),
      'the button stays for Olga',
    );
    assert.equal((await press(GROUP, inGroup.messageId, groupCont.data, OWNER)).text, 'Continuing…');
    await tg.waitForBotMessage(GROUP, (m) => m.text === 'Picked up where I left off.', {
      ...WAIT,
      since: inGroup.messageId,
    });
  });

  it('a question whose buttons stayed (the prompt edit failed) answers what happened on the next press and loses its buttons', async () => {
    tg.sendUserMessage({ chatId: OWNER, text: 'ask me what I drink' });
    const prompt = await tg.waitForBotMessage(OWNER, (m) => /Tea or coffee/.test(m.text), WAIT);
    const [tea, coffee] = buttonsOf(prompt).filter((b) => b.data.startsWith('q:'));
    assert.ok(tea && coffee);
    // Closing the prompt fails once (Telegram refuses the edit): its buttons stay on screen.
    tg.failNext('editMessageText', { error_code: 400, description: 'Bad Request: MESSAGE_ID_INVALID' });
    assert.match((await press(OWNER, prompt.messageId, tea.data)).text ?? '', /Tea/);
    await tg.waitForBotMessage(OWNER, (m) => m.text === 'You chose Tea.', { ...WAIT, since: prompt.messageId });
    assert.equal(buttonsOf(now(OWNER, prompt.messageId)).length, 2, 'the failed edit left the buttons');

    const calls = turnCalls();
    const late = await press(OWNER, prompt.messageId, coffee.data);
    assert.match(late.text ?? '', /^Already decided/);
    await settled(late.updateId);
    assert.deepEqual(buttonsOf(now(OWNER, prompt.messageId)), [], 'the buttons are gone');
    assert.equal(turnCalls(), calls);
  });

  it('/users: a decision redraws the list; a second tap on the old button answers what happened', async () => {
    tg.sendUserMessage({ chatId: BOB, text: 'hello there', firstName: 'Bob' });
    await tg.waitForBotMessage(BOB, (m) => m.text === 'answer to: hello there', WAIT);
    tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await tg.waitForBotMessage(OWNER, (m) => /^Users \(/.test(m.text), WAIT);
    assert.match(list.text, /Bob \[6102\]: ✅ allowed/);
    const revoke = buttonsOf(list).find((b) => b.text === '🚫 Revoke Bob');
    assert.ok(revoke);

    assert.equal((await press(OWNER, list.messageId, revoke.data)).text, '🚫 Revoked access for Bob.');
    await tg.waitFor(() => /Bob \[6102\]: 🚫 revoked/.test(now(OWNER, list.messageId)?.text ?? '') || undefined, {
      ...WAIT,
      label: 'list redrawn',
    });
    assert.deepEqual(
      buttonsOf(now(OWNER, list.messageId)).map((b) => b.text),
      ['✅ Let Bob back in'],
      'the list offers what is possible now',
    );
    await tg.waitForBotMessage(BOB, (m) => /revoked/.test(m.text), { ...WAIT, since: 'any' });

    const again = await press(OWNER, list.messageId, revoke.data);
    assert.equal(again.text, 'Already done: Bob is revoked. The list is up to date now.');
    await settled(again.updateId);
    assert.match(now(OWNER, list.messageId)?.text ?? '', /Bob \[6102\]: 🚫 revoked/);
    assert.equal(tg.botMessages(BOB).filter((m) => /revoked/.test(m.text)).length, 1, 'Bob is told once');
  });

  it('/wipe: a confirmation made stale by another /wipe says so and loses its buttons', async () => {
    tg.sendUserMessage({ chatId: CAROL, text: '/wipe', firstName: 'Carol' });
    const older = await tg.waitForBotMessage(CAROL, (m) => /Erase everything/.test(m.text), WAIT);
    tg.sendUserMessage({ chatId: CAROL, text: '/wipe', firstName: 'Carol' });
    const newer = await tg.waitForBotMessage(CAROL, (m) => /Erase everything/.test(m.text), WAIT);
    const yes = buttonsOf(newer).find((b) => b.data.startsWith('mem:wy:'))!;
    await press(CAROL, newer.messageId, yes.data);
    await tg.waitFor(() => /^Done\. I erased/.test(now(CAROL, newer.messageId)?.text ?? '') || undefined, {
      ...WAIT,
      label: 'wiped',
    });

    const cancel = buttonsOf(older).find((b) => b.data.startsWith('mem:wn:'))!;
    const stale = await press(CAROL, older.messageId, cancel.data);
    assert.equal(stale.text, 'This confirmation has expired or was already used. Send the command again.');
    await settled(stale.updateId);
    assert.deepEqual(buttonsOf(now(CAROL, older.messageId)), [], 'the stale confirmation lost its buttons');
  });

  it('Retry after a command failed runs the command again, not a chat turn', async () => {
    tg.sendUserMessage({ chatId: CAROL, text: '/help', firstName: 'Carol' });
    await tg.waitForBotMessage(CAROL, undefined, WAIT);
    // The disk is full for Carol's user row: her next update, which brings a new name to store, fails before any
    // feature runs (an unchanged profile is only read).
    await store.run(
      `CREATE TRIGGER fault_carol BEFORE UPDATE ON users WHEN NEW.id = ${CAROL} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    tg.sendUserMessage({ chatId: CAROL, text: '/settings', firstName: 'Caroline' });
    const failure = await tg.waitForBotMessage(CAROL, (m) => /Tap Retry/.test(m.text), WAIT);
    await store.run('DROP TRIGGER fault_carol');

    const calls = turnCalls();
    assert.equal((await press(CAROL, failure.messageId, retryData(failure)!)).text, 'Trying again…');
    await tg.waitForBotMessage(CAROL, (m) => /Settings/.test(m.text), { ...WAIT, since: failure.messageId });
    await tg.waitFor(() => now(CAROL, failure.messageId)?.text === '↻ Retried — see below.' || undefined, WAIT);
    assert.equal(turnCalls(), calls, 'the command was not sent to the model');
    assertNoRetryWithoutButton(CAROL);
  });

  // Last: it prunes the whole journal as the retention pass would 8 days from now.
  it('a Retry whose message the journal no longer has (pruned after 7 days) says so plainly and loses its button', async () => {
    gemini.failNext(3, { status: 503 });
    const sent = tg.sendUserMessage({ chatId: OWNER, text: 'an old question' });
    const failure = await tg.waitForBotMessage(OWNER, (m) => /tap Retry/.test(m.text), WAIT);
    await settled(sent.update_id);
    const pruner = createPruner({
      store,
      clock: createManualClock(Date.now() + 8 * DAY_MS),
      log: createLogger({ level: 'silent' }),
    });
    const report = await pruner.runOnce();
    assert.ok((report.finished_updates ?? 0) > 0, 'the journal rows were pruned');

    const calls = turnCalls();
    const answer = await press(OWNER, failure.messageId, retryData(failure)!);
    assert.equal(answer.text, 'That message is too old to retry — please send it again.');
    await settled(answer.updateId);
    assert.equal(now(OWNER, failure.messageId)?.text, 'That message is too old to retry — please send it again.');
    assert.equal(retryData(now(OWNER, failure.messageId)), undefined);
    assert.equal(turnCalls(), calls);
    assertNoRetryWithoutButton(OWNER);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GROUP, OWNER, STRANGER, USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

describe('approvals: restarts, races, strangers, forgeries, expiry', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('survives a restart between prompt and click; the run completes on the new instance', async () => {
    const first = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await first.turn(world.request());
    const prompt = world.prompts(USER)[0]!;
    await first.close(); // the process dies; nothing is kept in memory

    const second = await world.newInstance();
    await second.approvals.start();
    await second.press(USER, prompt.messageId, buttonData(prompt)[0]!);
    assert.equal(world.tg.callbackAnswers().at(-1)?.text, 'Approved ✅');
    await second.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Deleted note n1.');
  });

  it('two concurrent clicks: exactly one decision, the other is told it was already decided; the run resumes once', async () => {
    // Two Store connections in one process would block each other (libSQL's busy wait is synchronous), so the race
    // runs on one instance; a second instance (another "process" on the same file) then tries to resume it again.
    const a = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await a.turn(world.request());
    const prompt = world.prompts(USER)[0]!;
    const [approve, deny] = buttonData(prompt);
    await Promise.all([a.press(USER, prompt.messageId, approve!), a.press(USER, prompt.messageId, deny!)]);
    await a.approvals.idle();
    await a.close();
    const b = await world.newInstance();
    assert.equal((await b.approvals.sweep()).resumed, 0, 'a settled, finished run is not resumed again');

    const answers = world.tg.callbackAnswers().map((x) => x.text ?? '');
    assert.equal(answers.length, 2);
    const winners = answers.filter((t) => t === 'Approved ✅' || t === 'Denied ❌');
    assert.equal(winners.length, 1, `one winner: ${answers.join(' | ')}`);
    assert.equal(answers.filter((t) => t.startsWith('Already decided:')).length, 1);
    const rows = await b.store.query("SELECT status FROM approvals WHERE status != 'pending'");
    assert.equal(rows.length, 1);
    const runs = await b.store.query('SELECT status FROM approval_runs');
    assert.deepEqual(
      runs.map((r) => r.status),
      ['done'],
      'resumed exactly once',
    );
    const finals = world.tg
      .botMessages(USER)
      .filter((m) => buttonData(m).length === 0 && !m.text.includes('Approval needed'));
    assert.equal(finals.length, 1, 'one final answer');
    // A later repeat click says who decided.
    await b.press(USER, prompt.messageId, approve!);
    assert.match(
      world.tg.callbackAnswers().at(-1)?.text ?? '',
      /^Already decided: (Approved|Denied) by Ann at 13:00\.$/,
    );
  });

  it("a stranger's click in a group is refused with an alert; an owner may decide", async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await app.turn(world.request({ chat: { chatId: GROUP, type: 'supergroup' } }));
    const prompt = world.prompts(GROUP)[0]!;
    const approve = buttonData(prompt)[0]!;

    await app.press(GROUP, prompt.messageId, approve, STRANGER);
    const refusal = world.tg.callbackAnswers().at(-1);
    assert.equal(refusal?.text, 'Only Ann can decide this.');
    assert.equal(refusal?.showAlert, true);
    assert.equal((await app.store.get('SELECT status FROM approvals'))?.status, 'pending');
    assert.equal(await world.note('n1'), 'buy milk');
    const types = (await app.approvals.eventsForChat(GROUP)).map((e) => e.type);
    assert.ok(types.includes('unauthorized_click'));

    await app.press(GROUP, prompt.messageId, approve, OWNER);
    assert.equal(world.tg.callbackAnswers().at(-1)?.text, 'Approved ✅');
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    const edited = world.tg.botMessages(GROUP).find((m) => m.messageId === prompt.messageId);
    assert.match(edited?.text ?? '', /Approved by Olga/);
  });

  it('forged or garbage callback_data gets a polite answer and decides nothing', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await app.turn(world.request());
    const prompt = world.prompts(USER)[0]!;
    const id = buttonData(prompt)[0]!.split(':')[1]!;
    const forged = [
      'ap:',
      'ap:zzz',
      `ap:${id}:x`,
      `ap:${id}:a`,
      'ap:AAAAAAAAAAAA:y',
      `q:${id}:0`,
      `ap:${id}:y:extra`,
      `ap:${'x'.repeat(58)}:y`,
    ];
    for (const data of forged) {
      await app.press(USER, prompt.messageId, data);
      const answer = world.tg.callbackAnswers().at(-1);
      assert.ok(answer?.text && answer.text.length > 10, `answered ${data}: ${answer?.text}`);
      assert.doesNotMatch(answer.text, /Approved|Denied/);
    }
    assert.match(world.tg.callbackAnswers().at(3)?.text ?? '', /isn't offered/);
    assert.equal((await app.store.get('SELECT status FROM approvals'))?.status, 'pending');
    assert.equal(await world.note('n1'), 'buy milk');
  });

  it('expiry with a manual clock: the sweeper denies, edits the prompt and the run finishes; a late click is told', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Nobody approved, so I left note n1.');
    await app.turn(world.request());
    const prompt = world.prompts(USER)[0]!;

    await world.clock.advance(9 * 60_000);
    assert.equal((await app.approvals.sweep()).expired, 0, 'not yet due');
    await world.clock.advance(60_000);
    const report = await app.approvals.sweep();
    assert.equal(report.expired, 1);
    await app.approvals.idle();

    assert.equal(await world.note('n1'), 'buy milk', 'deny fallback: the tool never ran');
    const edited = world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId);
    assert.match(edited?.text ?? '', /⌛ Expired — denied/);
    assert.deepEqual(buttonData(edited), []);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Nobody approved, so I left note n1.');
    const plannerLast = world.gemini
      .generateCalls()
      .filter((r) => r.systemText.includes('PLANNER'))
      .at(-1);
    assert.match(JSON.stringify(plannerLast?.contents.at(-1)), /denied automatically/);

    await app.press(USER, prompt.messageId, buttonData(prompt)[0]!);
    assert.equal(
      world.tg.callbackAnswers().at(-1)?.text,
      'This request expired at 13:10 and was denied automatically.',
    );
  });

  it('a click after the deadline but before the sweep expires it on the spot', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Left it.');
    await app.turn(world.request());
    const prompt = world.prompts(USER)[0]!;
    await world.clock.advance(11 * 60_000);
    await app.press(USER, prompt.messageId, buttonData(prompt)[0]!);
    const answer = world.tg.callbackAnswers().at(-1);
    assert.equal(answer?.text, 'This request expired at 13:10 and was denied automatically.');
    await app.approvals.idle();
    assert.equal(await world.note('n1'), 'buy milk');
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Left it.');
  });

  it('an approve fallback runs the tool at expiry', async () => {
    const policy = {
      defaults: { timeout: 60_000, scheduledTimeout: 60_000, fallback: 'approve' as const },
      questions: { timeout: 60_000, scheduledTimeout: 60_000, fallbackAnswer: 'No reply in time' },
      tools: { note_delete: { mode: 'always' as const } },
    };
    const app = await world.newInstance({ policy });
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted n1 after the timeout.');
    // A scheduled run that read nothing untrusted: after untrusted text a call never goes ahead on its own.
    await app.turn(world.request({ source: 'schedule', untrustedInput: false }));
    const prompt = world.prompts(USER)[0]!;
    assert.match(prompt.text, /otherwise it is approved automatically/);
    await world.clock.advance(61_000);
    await app.approvals.sweep();
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    assert.match(
      world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)?.text ?? '',
      /Expired — approved automatically/,
    );
  });
});

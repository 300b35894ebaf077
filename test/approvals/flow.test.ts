import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Instance, USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

describe('approvals: approve and deny through the real loop', () => {
  let world: World;
  let app: Instance;
  before(async () => {
    world = await createWorld();
    app = await world.newInstance();
  });
  after(async () => {
    await world.close();
  });

  it('approve: prompt with buttons, click, tool runs, final answer, audit line', async () => {
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    const outcome = await app.turn(world.request());
    assert.equal(outcome.status, 'suspended');
    assert.equal(await world.note('n1'), 'buy milk', 'nothing deleted before the decision');

    const [prompt] = world.prompts(USER);
    assert.ok(prompt, 'a prompt was sent');
    assert.match(prompt.text, /^🔐 Approval needed\n/);
    assert.ok(!prompt.text.includes('note_delete'), 'the tool name is behind Details');
    assert.match(prompt.text, /id: n1/);
    const data = buttonData(prompt);
    assert.equal(data.length, 3, 'Approve, Deny and Details only (no always-allow for deletions)');
    assert.ok(data.every((d) => Buffer.byteLength(d) <= 64 && /^ap:[0-9A-Za-z]+:[ynd]$/.test(d)));

    await app.press(USER, prompt.messageId, data[0]!);
    const answer = world.tg.callbackAnswers().at(-1);
    assert.equal(answer?.text, 'Approved ✅');
    await app.approvals.idle();

    assert.equal(await world.note('n1'), undefined, 'the tool ran');
    const final = world.tg.botMessages(USER).at(-1);
    assert.equal(final?.text, 'Deleted note n1.');
    const edited = world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId);
    assert.match(edited?.text ?? '', /✅ Approved by Ann at 13:00/);
    assert.deepEqual(buttonData(edited), [], 'keyboard removed');

    const events = await app.approvals.eventsForChat(USER);
    assert.deepEqual(
      events.map((e) => e.type),
      ['approval_requested', 'approval_decided', 'resumed', 'tool_result', 'finished'],
    );
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
  });

  it('deny: the tool never runs and the model is told it was denied', async () => {
    world.gemini.clear();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n2' }, "OK, I didn't delete it.");
    await app.turn(world.request({ text: 'delete note n2' }));
    const prompt = world.prompts(USER).at(-1)!;
    const deny = buttonData(prompt).find((d) => d.endsWith(':n'))!;
    await app.press(USER, prompt.messageId, deny);
    assert.equal(world.tg.callbackAnswers().at(-1)?.text, 'Denied ❌');
    await app.approvals.idle();

    assert.equal(await world.note('n2'), 'call mom', 'note n2 still exists');
    const lastPlannerCall = world.gemini
      .generateCalls()
      .filter((r) => r.systemText.includes('PLANNER'))
      .at(-1);
    assert.match(JSON.stringify(lastPlannerCall?.contents.at(-1)), /denied this action/);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, "OK, I didn't delete it.");
    const edited = world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId);
    assert.match(edited?.text ?? '', /❌ Denied by Ann/);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

describe('approvals: re-suspension and recovery', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('a resumed run that suspends again is handled the same way (second round)', async () => {
    const app = await world.newInstance();
    world.gemini.enqueueFor(
      { systemIncludes: 'ROUTER' },
      { functionCalls: [{ name: 'agent_planner', args: { task: 'clean up' } }] },
    );
    world.gemini.enqueueFor(
      { systemIncludes: 'PLANNER' },
      { functionCalls: [{ name: 'note_delete', args: { id: 'n1' } }] },
      { functionCalls: [{ name: 'ask_user', args: { question: 'Delete n2 too?', options: ['Yes', 'No'] } }] },
      { text: 'Deleted n1 and kept n2.' },
    );
    await app.turn(world.request({ text: 'clean up' }));
    const first = world.prompts(USER)[0]!;
    await app.press(USER, first.messageId, buttonData(first)[0]!);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    const question = world.prompts(USER, 'q:')[0]!;
    assert.match(question.text, /Delete n2 too\?/);
    assert.equal((await app.store.get('SELECT status, round FROM approval_runs'))?.round, 2);
    await app.press(USER, question.messageId, buttonData(question)[1]!);
    await app.approvals.idle();
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Deleted n1 and kept n2.');
    const types = (await app.approvals.eventsForChat(USER)).map((e) => e.type);
    assert.deepEqual(types, [
      'approval_requested',
      'approval_decided',
      'resumed',
      'tool_result',
      'suspended_again',
      'question_asked',
      'question_answered',
      'resumed',
      'tool_result',
      'finished',
    ]);
  });

  it('a decision recorded just before a crash is resumed by the start-up sweep', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await app.turn(world.request());
    // Simulates a crash right after the decision was committed: the row is decided, nothing resumed it.
    await app.store.run(
      "UPDATE approvals SET status = 'approved', decided_by = ?, decided_by_name = 'Ann', decided_at = ?",
      [USER, world.clock.now()],
    );
    await app.close();
    const next = await world.newInstance();
    await next.approvals.start();
    await next.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Deleted note n1.');
    assert.equal((await next.store.get('SELECT status FROM approval_runs'))?.status, 'done');
  });

  it('a resume interrupted by a crash is not repeated blindly: the user is told', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    await app.turn(world.request());
    await app.store.run("UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = ?", [
      USER,
      world.clock.now(),
    ]);
    await app.store.run("UPDATE approval_runs SET status = 'resuming', lease_until = ?", [
      world.clock.now() + 15 * 60_000,
    ]);
    await app.close();
    const next = await world.newInstance();
    assert.equal((await next.approvals.sweep()).interrupted, 0, 'lease still valid');
    await world.clock.advance(16 * 60_000);
    assert.equal((await next.approvals.sweep()).interrupted, 1);
    assert.match(world.tg.botMessages(USER).at(-1)?.text ?? '', /restarted while finishing/);
    assert.equal((await next.store.get('SELECT status FROM approval_runs'))?.status, 'failed');
  });

  it('a prompt that never went out (crash after persisting) is sent by the sweeper', async () => {
    const app = await world.newInstance();
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1.');
    world.tg.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await app.turn(world.request());
    assert.equal(world.prompts(USER).length, 0);
    await world.clock.advance(31_000);
    assert.equal((await app.approvals.sweep()).reprompted, 1);
    const prompt = world.prompts(USER)[0]!;
    await app.press(USER, prompt.messageId, buttonData(prompt)[0]!);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
  });

  it('start() and stop() leave no timers behind', async () => {
    const app = await world.newInstance({ deps: { sweepIntervalMs: 10 } });
    await app.approvals.start();
    await new Promise((r) => setTimeout(r, 50));
    await app.approvals.stop();
  });
});

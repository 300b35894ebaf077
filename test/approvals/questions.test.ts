import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createApprovalGate } from '../../src/approvals/gate.ts';
import { createApprovalPolicy } from '../../src/approvals/policy.ts';
import { approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type Instance, USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

function scriptQuestion(world: World, options: string[] | undefined, final: string): void {
  world.gemini.enqueueFor(
    { systemIncludes: 'ROUTER' },
    { functionCalls: [{ name: 'agent_planner', args: { task: 'plan dinner' } }] },
  );
  world.gemini.enqueueFor(
    { systemIncludes: 'PLANNER' },
    {
      functionCalls: [
        { name: 'ask_user', args: { question: 'Pizza or <sushi> & more?', ...(options ? { options } : {}) } },
      ],
    },
    { text: final },
  );
}

function lastToolResponse(world: World): string {
  const call = world.gemini
    .generateCalls()
    .filter((r) => r.systemText.includes('PLANNER'))
    .at(-1);
  return JSON.stringify(call?.contents.at(-1));
}

describe('approvals: ask_user, scheduled runs, policy conditions, always-allow, /pending', () => {
  let world: World;
  let app: Instance;
  beforeEach(async () => {
    world = await createWorld();
    app = await world.newInstance();
  });
  afterEach(async () => {
    await world.close();
  });

  it('ask_user answered by a button', async () => {
    scriptQuestion(world, ['Pizza', 'Sushi'], 'Sushi it is.');
    const outcome = await app.turn(world.request({ text: 'plan dinner' }));
    assert.equal(outcome.status, 'suspended');
    const [prompt] = world.prompts(USER, 'q:');
    assert.ok(prompt);
    assert.match(prompt.text, /Pizza or <sushi> & more\?/, 'model text escaped and shown verbatim');
    const data = buttonData(prompt);
    assert.equal(data.length, 2);
    assert.ok(/^q:[0-9A-Za-z]+:1$/.test(data[1]!));
    await app.press(USER, prompt.messageId, data[1]!);
    assert.equal(world.tg.callbackAnswers().at(-1)?.text, 'Got it: Sushi');
    await app.approvals.idle();
    assert.match(lastToolResponse(world), /"answer":"Sushi"/);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Sushi it is.');
    assert.match(
      world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)?.text ?? '',
      /Answered by Ann at 13:00: “Sushi”/,
    );
  });

  it('ask_user answered by text (oldest open question of this user in this chat); other text is not consumed', async () => {
    scriptQuestion(world, ['Pizza', 'Sushi'], 'Tacos, noted.');
    await app.turn(world.request({ text: 'plan dinner' }));
    assert.equal(await app.approvals.answerFromText({ chatId: USER }, 555, 'tacos'), false, "another user's text");
    assert.equal(
      await app.approvals.answerFromText({ chatId: USER }, USER, '/help'),
      false,
      'commands are not answers',
    );
    assert.equal(await app.approvals.answerFromText({ chatId: USER }, USER, '  tacos please '), true);
    await app.approvals.idle();
    assert.match(lastToolResponse(world), /"answer":"tacos please"/);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Tacos, noted.');
    assert.equal(
      await app.approvals.answerFromText({ chatId: USER }, USER, 'more text'),
      false,
      'nothing open any more',
    );
  });

  it('an unanswered question continues with the fallback answer', async () => {
    scriptQuestion(world, undefined, 'No answer, so I picked pizza.');
    await app.turn(world.request({ text: 'plan dinner' }));
    const prompt = world.tg.botMessages(USER).at(-1)!;
    assert.match(prompt.text, /Reply with your answer/);
    await world.clock.advance(30 * 60_000);
    await app.approvals.sweep();
    await app.approvals.idle();
    assert.match(lastToolResponse(world), /"answer":"No reply in time"/);
    assert.match(
      world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)?.text ?? '',
      /Expired — continued with “No reply in time”/,
    );
  });

  it("a scheduled run's approval goes to the owner's chat with the shorter scheduled timeout, then falls back", async () => {
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'The nightly cleanup skipped note n1.');
    const outcome = await app.turn(world.request({ source: 'schedule', turnId: 'job:j1:1', text: 'nightly cleanup' }));
    assert.equal(outcome.status, 'suspended');
    const prompt = world.prompts(USER)[0]!;
    assert.match(prompt.text, /decide by 13:05/, 'scheduledTimeout 5m instead of 10m');
    const row = await app.store.get('SELECT expires_at, created_at FROM approvals');
    assert.equal(Number(row?.expires_at) - Number(row?.created_at), 5 * 60_000);
    await world.clock.advance(5 * 60_000);
    assert.equal((await app.approvals.sweep()).expired, 1);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), 'buy milk');
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'The nightly cleanup skipped note n1.');
  });

  it('a scheduled run can be approved in time', async () => {
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Cleanup done.');
    await app.turn(world.request({ source: 'schedule', turnId: 'job:j1:2' }));
    const prompt = world.prompts(USER)[0]!;
    await world.clock.advance(4 * 60_000);
    await app.press(USER, prompt.messageId, buttonData(prompt)[0]!);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Cleanup done.');
  });

  it('http_fetch: an allowlisted host runs without a prompt; another host asks, with "Always allow" for that host', async () => {
    scriptToolCall(world.gemini, 'http_fetch', { url: 'https://en.wikipedia.org/wiki/Cat' }, 'Cats are great.');
    const ok = await app.turn(world.request({ text: 'read about cats', untrustedInput: false }));
    assert.equal(ok.status, 'done');
    assert.equal(world.prompts(USER).length, 0);
    assert.deepEqual(await world.fetched(), ['https://en.wikipedia.org/wiki/Cat']);

    scriptToolCall(world.gemini, 'http_fetch', { url: 'https://example.com/a' }, 'Fetched example.');
    const asked = await app.turn(world.request({ text: 'read example', source: 'schedule', untrustedInput: false }));
    assert.equal(asked.status, 'suspended');
    const prompt = world.prompts(USER)[0]!;
    const data = buttonData(prompt);
    assert.equal(data.length, 4, 'Approve, Deny, Always allow, Details');
    assert.ok(data[2]!.endsWith(':a'));
    assert.equal(await world.fetched().then((f) => f.length), 1, 'not fetched before approval');
    await app.press(USER, prompt.messageId, data[2]!);
    await app.approvals.idle();
    assert.deepEqual((await world.fetched()).at(-1), 'https://example.com/a');
    assert.match(
      world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)?.text ?? '',
      /Approved by Ann at 13:00; from now on this is always allowed for Ann on example\.com/,
    );
  });

  it('policy evaluation error → approval required (fail closed), without "always allow"', async () => {
    scriptToolCall(world.gemini, 'http_fetch', { url: 'not a url' }, 'Done.');
    const outcome = await app.turn(world.request({ text: 'fetch garbage', source: 'schedule', untrustedInput: false }));
    assert.equal(outcome.status, 'suspended');
    const prompt = world.prompts(USER)[0]!;
    assert.match(prompt.text, /couldn't check the approval rule/);
    assert.deepEqual(
      buttonData(prompt).map((d) => d.slice(-1)),
      ['y', 'n', 'd'],
      'Approve, Deny and Details, no "always allow"',
    );
  });

  it('the gate fails closed even when the policy itself is broken at runtime', async () => {
    const policy = createApprovalPolicy(
      approvalsConfigSchema.parse({ tools: { x: { mode: 'when', when: { arg: 'n', gt: 3 } } } }),
    );
    const gate = createApprovalGate({ policy, store: app.store });
    const log = createLogger({ level: 'silent' });
    const ctx = {
      userId: USER,
      chat: { chatId: USER, type: 'private' as const },
      timezone: 'UTC',
      turnId: 't',
      agent: 'a',
      callId: 'c',
      turnReadUntrusted: false,
      clock: systemClock,
      log,
      signal: new AbortController().signal,
      progress() {},
      suspend(): never {
        throw new Error('not used');
      },
    };
    assert.deepEqual(await gate.check({ agent: 'a', tool: 'x', args: { n: 1 } }, ctx), { action: 'allow' });
    const d = await gate.check({ agent: 'a', tool: 'x', args: { n: 'seven' } }, ctx);
    assert.equal(d.action, 'suspend');
    assert.deepEqual(await gate.check({ agent: 'a', tool: 'unlisted', args: {} }, ctx), { action: 'allow' });
  });

  it('/pending re-sends open prompts with buttons; closing edits every copy', async () => {
    await app.say(USER, '/pending');
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Nothing is waiting for your decision. ✨');
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted.');
    await app.turn(world.request());
    await app.say(USER, '/pending');
    const copies = world.prompts(USER);
    assert.equal(copies.length, 2, 'original + re-sent copy');
    assert.match(world.tg.botMessages(USER).at(-2)?.text ?? '', /One request is waiting/);
    await app.press(USER, copies[1]!.messageId, buttonData(copies[1])[0]!);
    await app.approvals.idle();
    for (const c of copies) {
      const now = world.tg.botMessages(USER).find((m) => m.messageId === c.messageId);
      assert.match(now?.text ?? '', /Approved by Ann/);
      assert.deepEqual(buttonData(now), []);
    }
  });

  it('parallel calls in one step are decided each on their own', async () => {
    world.gemini.enqueueFor(
      { systemIncludes: 'ROUTER' },
      { functionCalls: [{ name: 'agent_planner', args: { task: 'delete both' } }] },
    );
    world.gemini.enqueueFor(
      { systemIncludes: 'PLANNER' },
      {
        functionCalls: [
          { name: 'note_delete', args: { id: 'n1' } },
          { name: 'note_delete', args: { id: 'n2' } },
        ],
      },
      { text: 'Deleted n1, kept n2.' },
    );
    await app.turn(world.request({ text: 'delete both notes' }));
    const prompts = world.prompts(USER);
    assert.equal(prompts.length, 2);
    const byId = (p: (typeof prompts)[number]) => (p.text.includes('id: n1') ? 'n1' : 'n2');
    const p1 = prompts.find((p) => byId(p) === 'n1')!;
    const p2 = prompts.find((p) => byId(p) === 'n2')!;
    await app.press(USER, p1.messageId, buttonData(p1)[0]!);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), 'buy milk', 'nothing runs until every call is decided');
    assert.equal((await app.store.get('SELECT status FROM approval_runs'))?.status, 'waiting');
    await app.press(USER, p2.messageId, buttonData(p2)[1]!);
    await app.approvals.idle();
    assert.equal(await world.note('n1'), undefined);
    assert.equal(await world.note('n2'), 'call mom');
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Deleted n1, kept n2.');
  });
});

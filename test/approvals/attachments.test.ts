/**
 * A paused run keeps the user's file once, by reference: the request, the router's frame and the sub-agent's
 * conversation each held the base64 bytes before (a 2 MB file cost about 8 MB). After the decision the resumed run
 * still sends the file to Gemini, and once the run is settled the pruner drops the bytes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';
import { createPruner } from '../../src/retention/pruner.ts';
import type { RecordedRequest } from '../support/fake-gemini.ts';
import { storedBytes } from '../privacy/support.ts';
import { type Instance, USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

function inlineData(req: RecordedRequest): string[] {
  return req.contents.flatMap((c) => (c.parts ?? []).flatMap((p) => (p.inlineData?.data ? [p.inlineData.data] : [])));
}

describe('attachments of a paused run', () => {
  let world: World;
  let app: Instance;
  before(async () => {
    world = await createWorld();
    app = await world.newInstance();
  });
  after(async () => {
    await world.close();
  });

  it('a 2 MB file is stored once (≤ 1.1× its size) and the resumed run still sends it to Gemini', async () => {
    const file = randomBytes(2 * 1024 * 1024);
    const data = file.toString('base64');
    scriptToolCall(world.gemini, 'note_delete', { id: 'n1' }, 'Deleted note n1 after reading the scan.');
    const before = await storedBytes(app.store);
    const outcome = await app.turn(
      world.request({
        text: 'read this scan, then delete note n1',
        attachments: [{ mimeType: 'application/pdf', data, name: 'scan.pdf' }],
      }),
    );
    assert.equal(outcome.status, 'suspended');
    const planner = () => world.gemini.generateCalls().filter((r) => r.systemText.includes('PLANNER'));
    assert.deepEqual(inlineData(planner()[0] as RecordedRequest), [data], 'the planner saw the file before the pause');

    const stored = (await storedBytes(app.store)) - before;
    assert.ok(stored <= 1.1 * file.length, `the paused run stores ${stored} bytes for a ${file.length}-byte file`);
    const files = await app.store.query('SELECT bytes FROM attachments');
    assert.deepEqual(
      files.map((r) => Number(r.bytes)),
      [file.length],
      'the file is stored once',
    );

    const [prompt] = world.prompts(USER);
    assert.ok(prompt, 'the approval prompt');
    const approve = buttonData(prompt).find((d) => d.endsWith(':y'));
    assert.ok(approve, 'an Approve button');
    const calls = planner().length;
    await app.press(USER, prompt.messageId, approve);
    await app.approvals.idle();

    assert.equal(await world.note('n1'), undefined, 'the approved tool ran');
    const resumed = planner().slice(calls);
    assert.equal(resumed.length, 1, 'one planner call after the decision');
    assert.deepEqual(
      inlineData(resumed[0] as RecordedRequest),
      [data],
      'the resumed run sent the same bytes to Gemini',
    );
    assert.equal(world.tg.botMessages(USER).at(-1)?.text, 'Deleted note n1 after reading the scan.');

    // The run is settled: nothing will resume it, so the next pruning pass drops the bytes.
    const pruner = createPruner({ store: app.store, clock: world.clock, log: createLogger({ level: 'silent' }) });
    const report = await pruner.runOnce();
    assert.equal(report.unreferenced_attachments, 1);
    assert.equal(Number((await app.store.get('SELECT COUNT(*) AS n FROM attachments'))?.n), 0);
  });
});

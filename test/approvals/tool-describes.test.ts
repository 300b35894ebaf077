/**
 * A tool describes its own calls for the approval prompt (`describeForApproval` on its definition): a new risky tool
 * gets its own confirmation words and details with no edit in src/app.ts or src/approvals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/agents/tool.ts';
import { type Instance, USER, type World, buttonData, createWorld, scriptToolCall, shippedPolicy } from './harness.ts';

const archived: string[] = [];
const noteArchive = defineTool({
  name: 'note_archive',
  description: 'Archives a note by id.',
  input: z.object({ id: z.string().trim() }),
  describeForApproval: (args) => ({
    details: `The note ${args.id}: “buy milk”`,
    confirm: { title: `Archive the note ${args.id}?`, yes: 'Archive', no: 'Leave it' },
  }),
  execute(args) {
    archived.push(args.id);
    return { archived: args.id };
  },
});

describe('a tool describes itself for the approval prompt', () => {
  let world: World;
  let app: Instance;
  before(async () => {
    world = await createWorld();
    const policy = {
      ...shippedPolicy,
      tools: {
        ...shippedPolicy.tools,
        note_archive: { ...shippedPolicy.tools.schedule_delete!, reason: 'Archiving hides it.' },
      },
    };
    app = await world.newInstance({ policy, tools: [noteArchive] });
  });
  after(async () => {
    await world.close();
  });

  it("the confirmation uses the tool's title, button verbs and details", async () => {
    scriptToolCall(world.gemini, 'note_archive', { id: 'n1' }, 'Archived.');
    await app.turn(world.request({ untrustedInput: false, text: 'archive note n1' }));
    const prompt = world.prompts(USER).at(-1);
    assert.ok(prompt, 'a prompt was sent');
    assert.equal(prompt.text, 'Archive the note n1?');
    const buttons = (prompt.replyMarkup as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat();
    assert.deepEqual(
      buttons.map((b) => b.text),
      ['Archive', 'Leave it', 'Details'],
    );
    assert.deepEqual(archived, [], 'nothing ran before the decision');
    await app.press(USER, prompt.messageId, buttonData(prompt).find((d) => d.endsWith(':y'))!);
    await app.approvals.idle();
    assert.deepEqual(archived, ['n1']);
  });

  it('a formal approval shows the title and the details in words', async () => {
    scriptToolCall(world.gemini, 'note_archive', { id: 'n2' }, 'Archived.');
    await app.turn(world.request({ text: 'archive note n2', source: 'schedule', untrustedInput: false }));
    const prompt = world.prompts(USER).at(-1);
    assert.match(
      prompt?.text ?? '',
      /^🔐 Approval needed\nArchive the note n2\?\nThe note n2: “buy milk”\nArchiving hides it\.\n/,
    );
  });
});

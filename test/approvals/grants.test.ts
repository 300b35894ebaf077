/**
 * Issue 11 point 4: "Always allow" is a grant for one user, one tool and one target (here a host), never for a whole
 * (group) chat; the user lists and revokes grants with /permissions. Real loop, real store, real grammY + fake Bot API.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  GROUP,
  type Instance,
  OWNER,
  STRANGER,
  USER,
  type World,
  buttonData,
  createWorld,
  scriptToolCall,
} from './harness.ts';

const MEMBER = 5151;

async function fetchTurn(world: World, app: Instance, url: string, overrides: Parameters<World['request']>[0] = {}) {
  // A suspended turn leaves its final answer queued for the resume; start each turn from a clean script.
  world.gemini.reset();
  scriptToolCall(world.gemini, 'http_fetch', { url }, `Read ${url}.`);
  // The user's own message: after someone else's words the taint rule would ask afresh, whatever the grants say.
  return app.turn(world.request({ text: `read ${url}`, untrustedInput: false, ...overrides }));
}

const inGroup = (userId: number, userName: string) => ({
  chat: { chatId: GROUP, type: 'supergroup' as const },
  userId,
  userName,
});

describe('"Always allow" grants: one user, one tool, one host', () => {
  let world: World;
  let app: Instance;
  beforeEach(async () => {
    world = await createWorld();
    app = await world.newInstance();
  });
  afterEach(async () => {
    await world.close();
  });

  it('a grant made in a group covers its user and that host only: not other hosts, not other members; it follows the user to a private chat', async () => {
    const asked = await fetchTurn(world, app, 'https://example.com/a', inGroup(USER, 'Ann'));
    assert.equal(asked.status, 'suspended');
    const prompt = world.prompts(GROUP).at(-1)!;
    const markup = prompt.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] };
    const always = markup.inline_keyboard.flat().find((b) => b.callback_data.endsWith(':a'));
    assert.equal(always?.text, '♾️ Always allow example.com', 'the button names what it grants');
    assert.match(prompt.text, /“Always allow” lets this happen for example\.com without asking Ann again/);
    await app.press(GROUP, prompt.messageId, always!.callback_data, USER);
    await app.approvals.idle();
    assert.deepEqual(await world.fetched(), ['https://example.com/a']);

    const rows = await app.store.query('SELECT user_id, tool, target, granted_by, chat_id FROM approval_grants');
    assert.deepEqual(
      rows.map((r) => [Number(r.user_id), r.tool, r.target, Number(r.granted_by), Number(r.chat_id)]),
      [[USER, 'http_fetch', 'example.com', USER, GROUP]],
    );

    const again = await fetchTurn(world, app, 'https://example.com/b?page=2', inGroup(USER, 'Ann'));
    assert.equal(again.status, 'done', 'the same user and host: no prompt');
    const otherHost = await fetchTurn(world, app, 'https://other.example.net/', inGroup(USER, 'Ann'));
    assert.equal(otherHost.status, 'suspended', 'another host still asks');
    const otherMember = await fetchTurn(world, app, 'https://example.com/c', inGroup(MEMBER, 'Ben'));
    assert.equal(otherMember.status, 'suspended', "another member of the group is not covered by Ann's grant");
    const privately = await fetchTurn(world, app, 'https://example.com/d');
    assert.equal(privately.status, 'done', "Ann's grant is hers, in her private chat too");
    assert.deepEqual(await world.fetched(), [
      'https://example.com/a',
      'https://example.com/b?page=2',
      'https://example.com/d',
    ]);
  });

  it("an owner tapping Always allow on a member's request grants the member, not the owner", async () => {
    await fetchTurn(world, app, 'https://news.example.org/x', inGroup(MEMBER, 'Ben'));
    const prompt = world.prompts(GROUP).at(-1)!;
    await app.press(GROUP, prompt.messageId, buttonData(prompt).find((d) => d.endsWith(':a'))!, OWNER);
    await app.approvals.idle();
    const rows = await app.store.query('SELECT user_id, target, granted_by FROM approval_grants');
    assert.deepEqual(
      rows.map((r) => [Number(r.user_id), r.target, Number(r.granted_by)]),
      [[MEMBER, 'news.example.org', OWNER]],
    );
    const owner = await fetchTurn(world, app, 'https://news.example.org/y', inGroup(OWNER, 'Olga'));
    assert.equal(owner.status, 'suspended', "the owner's own calls are not covered");
  });

  it('/permissions lists the grants; Revoke (only by their user) removes one, edits the list, and the host asks again', async () => {
    await app.say(USER, '/permissions');
    assert.match(world.tg.botMessages(USER).at(-1)?.text ?? '', /You have no “Always allow” permissions/);

    for (const url of ['https://example.com/a', 'https://docs.example.net/b']) {
      await fetchTurn(world, app, url);
      const prompt = world.prompts(USER).at(-1)!;
      await app.press(USER, prompt.messageId, buttonData(prompt).find((d) => d.endsWith(':a'))!);
      await app.approvals.idle();
    }
    await app.say(USER, '/permissions');
    const list = world.tg.botMessages(USER).at(-1)!;
    assert.match(list.text, /Your “Always allow” permissions \(2\)/);
    assert.match(list.text, /1\. http_fetch → example\.com · since 15 Jan 2026/);
    assert.match(list.text, /2\. http_fetch → docs\.example\.net/);
    const buttons = buttonData(list);
    assert.equal(buttons.length, 2);
    for (const b of buttons) assert.match(b, new RegExp(`^pm:r:${USER}:\\d+$`));

    // Someone else pressing Ann's button changes nothing.
    await app.press(USER, list.messageId, buttons[0]!, STRANGER);
    assert.equal(world.tg.callbackAnswers().at(-1)?.showAlert, true);
    assert.match(world.tg.callbackAnswers().at(-1)?.text ?? '', /someone else's permissions/);
    assert.equal((await app.store.query('SELECT id FROM approval_grants')).length, 2);

    await app.press(USER, list.messageId, buttons[0]!);
    assert.match(world.tg.callbackAnswers().at(-1)?.text ?? '', /Revoked: http_fetch → example\.com/);
    const edited = world.tg.botMessages(USER).find((m) => m.messageId === list.messageId)!;
    assert.match(edited.text, /permissions \(1\)/);
    assert.doesNotMatch(edited.text, /→ example\.com/);
    assert.deepEqual(buttonData(edited).length, 1);

    // The same (now stale) button again, and forged data: clear answers, nothing else removed.
    await app.press(USER, list.messageId, buttons[0]!);
    assert.match(world.tg.callbackAnswers().at(-1)?.text ?? '', /already revoked/);
    await app.press(USER, list.messageId, 'pm:r:abc');
    assert.match(world.tg.callbackAnswers().at(-1)?.text ?? '', /out of date/);
    assert.equal((await app.store.query('SELECT id FROM approval_grants')).length, 1);

    const asksAgain = await fetchTurn(world, app, 'https://example.com/again');
    assert.equal(asksAgain.status, 'suspended', 'a revoked host needs approval again');
    const stillGranted = await fetchTurn(world, app, 'https://docs.example.net/c');
    assert.equal(stillGranted.status, 'done');
  });
});

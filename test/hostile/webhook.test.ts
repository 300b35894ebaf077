import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { crashCounters, startFaultApp } from '../faults/app-harness.ts';

const USER = 881_501;
const SECRET = 'hostile_secret-1';

test('webhook mode: malformed bodies get 4xx (never a 500 that Telegram would redeliver forever), and the bot keeps serving', async (t) => {
  const counters = crashCounters();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `hook answer: ${req.lastUserText}` }));
  const h = await startFaultApp({
    tg,
    gemini,
    allowedUserIds: [USER],
    webhook: { url: 'https://bot.example.test/hook', secret: SECRET },
  });
  const url = `http://127.0.0.1:${h.port}/hook`;
  const post = (body: string, headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': SECRET }) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(
      (r) => r.status,
    );
  const msg = (id: number, text: string) =>
    JSON.stringify({
      update_id: id,
      message: {
        message_id: id,
        date: 1,
        chat: { id: USER, type: 'private', first_name: 'W' },
        from: { id: USER, is_bot: false, first_name: 'W' },
        text,
      },
    });
  const cases: [string, () => Promise<number>, number[]][] = [
    ['invalid JSON', () => post('{not json'), [400]],
    ['empty body', () => post(''), [400]],
    ['JSON array', () => post('[1,2,3]'), [400]],
    ['JSON null', () => post('null'), [400]],
    ['string update_id', () => post('{"update_id":"7"}'), [400]],
    ['negative update_id', () => post('{"update_id":-1}'), [400]],
    ['fractional update_id', () => post('{"update_id":1.5}'), [400]],
    ['2 MB body', () => post(`{"update_id":1,"x":"${'a'.repeat(2_000_000)}"}`), [413]],
    ['wrong secret', () => post(msg(1, 'x'), { 'x-telegram-bot-api-secret-token': 'nope' }), [401]],
    ['no secret', () => post(msg(1, 'x'), {}), [401]],
    ['GET', () => fetch(url).then((r) => r.status), [405]],
    ['message without chat', () => post('{"update_id":70001,"message":{}}'), [200, 400]],
    ['message null', () => post('{"update_id":70002,"message":null}'), [200, 400]],
    ['callback without from or message', () => post('{"update_id":70003,"callback_query":{"id":"x"}}'), [200, 400]],
    [
      'chat id of the wrong type',
      () => post('{"update_id":70004,"message":{"message_id":1,"date":1,"chat":{"id":"abc"},"text":5}}'),
      [200, 400],
    ],
    [
      'edited message without sender',
      () => post('{"update_id":70005,"edited_message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}}'),
      [200, 400],
    ],
    [
      'deeply nested JSON',
      () => post(`{"update_id":70006,"x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`),
      [200, 400],
    ],
    [
      '__proto__ keys',
      () => post('{"update_id":70007,"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}}}'),
      [200, 400],
    ],
    ['unknown kind', () => post('{"update_id":70008,"brand_new":{"a":1}}'), [200]],
  ];
  let clean = 0;
  try {
    const statuses: string[] = [];
    for (const [name, send, expected] of cases) {
      const status = await send();
      statuses.push(`${name}=${status}`);
      assert.ok(expected.includes(status), `${name}: status ${status}, expected ${expected.join(' or ')}`);
      clean++;
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    // The bot still answers a proper update afterwards, and /healthz is green.
    assert.equal(await post(msg(70100, 'a real question')), 200, 'a valid update is accepted');
    await tg.waitForBotMessage(USER, (m) => m.text === 'hook answer: a real question', {
      timeoutMs: 8000,
      since: 'any',
    });
    await h.app.frontEnd.dispatcher.idle();
    const health = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    assert.equal(health.status, 200, 'healthy after the garbage');
    t.diagnostic(
      `webhook: cases=${cases.length} clean=${clean} unhandled rejections=${counters.unhandled.length} statuses: ${statuses.join(' ')}`,
    );
    assert.deepEqual(h.fatal, [], 'no fatal error');
    assert.equal(counters.unhandled.length, 0, `no unhandled rejection: ${String(counters.unhandled[0])}`);
    assert.equal(counters.uncaught.length, 0, `no uncaught exception: ${String(counters.uncaught[0])}`);
  } finally {
    await h.close();
    await tg.close();
    await gemini.close();
    counters.dispose();
  }
});

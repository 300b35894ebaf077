/**
 * Issue 12 point 4 through the whole app (src/app.ts wired as main.ts wires it, in-process, so http_fetch may reach a
 * local test page): /why says in sentences which action ran and how its approval was decided — "I fetched
 * 127.0.0.1 (you approved it).", "I wanted to fetch 127.0.0.1, but you said no." — with no tool names or ids.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createFakeGemini, type FakeGemini, type RecordedRequest, type Reply } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const USER = 7501;

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
let base = '';
const site = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('Soup of the day: lentils.');
});

function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  if (role === 'router') return { functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }] };
  if (role === 'assistant') {
    const fetched = lastFunctionResponses(req).find((r) => r.name === 'http_fetch');
    if (fetched) return { text: 'error' in fetched.response ? 'I could not read it.' : 'The soup today is lentils.' };
    const url = /read (\S+)/.exec(req.lastUserText)?.[1];
    if (url) return { functionCalls: [{ name: 'http_fetch', args: { url } }] };
  }
  return { text: 'ok' };
}

async function say(text: string, expected: RegExp): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: USER, text });
  return tg.waitForBotMessage(USER, (m) => expected.test(m.text), { timeoutMs: 15_000 });
}

/** Waits for the approval prompt and presses its approve (`:y`) or deny (`:n`) button. */
async function decide(suffix: ':y' | ':n', expected: RegExp): Promise<void> {
  const prompt = await tg.waitForBotMessage(USER, (m) => buttonsOf(m).some((b) => b.data.endsWith(suffix)), {
    timeoutMs: 15_000,
  });
  const data = buttonsOf(prompt).find((b) => b.data.endsWith(suffix))?.data ?? '';
  tg.pressButton({ chatId: USER, messageId: prompt.messageId, data, userId: USER });
  await tg.waitForBotMessage(USER, (m) => expected.test(m.text), { timeoutMs: 15_000, since: prompt.messageId });
}

describe('/why tells which actions ran and who approved them (whole app)', () => {
  before(async () => {
    base = await listen(site);
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(route);
    app = await startWholeApp({ tg, gemini, allowedUserIds: [USER], allowPrivateFetch: true });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
    await closeServer(site);
  });

  it('after an approved fetch: "I fetched <host> (you approved it)."', async () => {
    tg.sendUserMessage({ chatId: USER, text: `please read ${base}/menu` });
    await decide(':y', /soup today is lentils/);
    const why = await say('/why', /./);
    assert.equal(why.text, 'I fetched 127.0.0.1 (you approved it).');
    assert.doesNotMatch(why.text, /http_fetch|agent|approval_|\{/, 'no tool names, ids or JSON');
    assert.deepEqual(
      buttonsOf(why).map((b) => b.text),
      ['🔎 Details'],
    );
  });

  it('after a denied fetch: "I wanted to fetch <host>, but you said no."', async () => {
    tg.sendUserMessage({ chatId: USER, text: `please read ${base}/secret` });
    await decide(':n', /could not read it/);
    const why = await say('/why', /./);
    assert.equal(why.text, 'I wanted to fetch 127.0.0.1, but you said no.');
  });
});

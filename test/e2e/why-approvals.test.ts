/**
 * Issue 12 point 4 through the whole app (src/app.ts wired as main.ts wires it, in-process, so http_fetch may reach a
 * local test page): /why says in sentences which action ran and how its approval was decided — "I fetched
 * 127.0.0.1 (you approved it).", "I wanted to fetch 127.0.0.1, but you said no." — with no tool names or ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApprovalApp, buttonsOf, startApprovalApp } from '../support/approval-app.ts';
import type { RecordedRequest, Reply } from '../support/fake-gemini.ts';
import { lastFunctionResponses, roleOf } from './acceptance-support.ts';

const USER = 7501;

let fx: ApprovalApp;

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

/** Waits for the approval prompt and presses its approve (`:y`) or deny (`:n`) button. */
async function decide(suffix: ':y' | ':n', expected: RegExp): Promise<void> {
  await fx.press(await fx.promptWith(suffix), suffix, expected);
}

describe('/why tells which actions ran and who approved them (whole app)', () => {
  before(async () => {
    fx = await startApprovalApp({
      userId: USER,
      route,
      site: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Soup of the day: lentils.');
      },
    });
  });
  after(async () => {
    await fx?.close();
  });

  it('after an approved fetch: "I fetched <host> (you approved it)."', async () => {
    fx.tg.sendUserMessage({ chatId: USER, text: `please read ${fx.siteBase}/menu` });
    await decide(':y', /soup today is lentils/);
    const why = await fx.say('/why', /./);
    assert.equal(why.text, 'I fetched 127.0.0.1 (you approved it).');
    assert.doesNotMatch(why.text, /http_fetch|agent|approval_|\{/, 'no tool names, ids or JSON');
    assert.deepEqual(
      buttonsOf(why).map((b) => b.text),
      ['🔎 Details'],
    );
  });

  it('after a denied fetch: "I wanted to fetch <host>, but you said no."', async () => {
    fx.tg.sendUserMessage({ chatId: USER, text: `please read ${fx.siteBase}/secret` });
    await decide(':n', /could not read it/);
    const why = await fx.say('/why', /./);
    assert.equal(why.text, 'I wanted to fetch 127.0.0.1, but you said no.');
  });
});

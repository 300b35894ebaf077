/**
 * Issue 12 point 9 for approvals, through the whole app (src/app.ts in-process, fake Bot API and Gemini): a user whose
 * Telegram language is Russian gets the confirmation, its buttons, the tap's answer and the edited prompt in Russian;
 * the same user with an English Telegram gets the English texts, unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApprovalApp, buttonsOf, startApprovalApp } from '../support/approval-app.ts';
import type { RecordedRequest, Reply } from '../support/fake-gemini.ts';
import { lastFunctionResponses, roleOf } from './acceptance-support.ts';

const USER = 7601;
let fx: ApprovalApp;

function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  if (role === 'router') return { functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }] };
  if (role === 'assistant') {
    const fetched = lastFunctionResponses(req).find((r) => r.name === 'http_fetch');
    if (fetched) return { text: 'error' in fetched.response ? 'no page' : 'page read' };
    const url = /read (\S+)/.exec(req.lastUserText)?.[1];
    if (url) return { functionCalls: [{ name: 'http_fetch', args: { url } }] };
  }
  return { text: 'ok' };
}

/** The prompt message's text once it no longer has buttons (the decision edited it). */
function closedPrompt(messageId: number): Promise<string> {
  return fx.tg.waitFor(
    () => {
      const m = fx.tg.botMessages(USER).find((x) => x.messageId === messageId);
      return m && buttonsOf(m).length === 0 ? m.text : undefined;
    },
    { timeoutMs: 15_000, label: 'the prompt edited after the decision' },
  );
}

describe('approval texts follow the user language (whole app)', () => {
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

  it('Russian Telegram: a Russian confirmation, Russian buttons, Russian answer and result edit', async () => {
    const prompt = await fx.say(`please read ${fx.siteBase}/menu`, /\?/, { languageCode: 'ru' });
    const port = new URL(fx.siteBase).port;
    assert.equal(
      prompt.text,
      `Открыть страницу на 127.0.0.1?\n🌐 127.0.0.1:${port} (http, без шифрования)\n/menu\n` +
        '♾️ «Всегда разрешать» позволит делать это для 127.0.0.1, не спрашивая Tester снова, пока разрешение не отозвано в /permissions.',
    );
    assert.deepEqual(
      buttonsOf(prompt).map((b) => b.text),
      ['Открыть', 'Не открывать', '♾️ Всегда разрешать 127.0.0.1', 'Подробнее'],
    );
    await fx.press(prompt, ':y', /page read/);
    assert.equal(fx.tg.callbackAnswers().at(-1)?.text, 'Открыть — подтверждено ✅');
    assert.match(
      await closedPrompt(prompt.messageId),
      /^Открыть страницу на 127\.0\.0\.1\?\n[\s\S]*\n✅ Открыть — подтверждено \(Tester, \d\d:\d\d\)$/,
    );
  });

  it('English Telegram: the English texts, unchanged', async () => {
    const prompt = await fx.say(`please read ${fx.siteBase}/soup`, /\?/, { languageCode: 'en' });
    const port = new URL(fx.siteBase).port;
    assert.equal(
      prompt.text,
      `Fetch a page from 127.0.0.1?\n🌐 127.0.0.1:${port} (http, not encrypted)\n/soup\n` +
        '♾️ “Always allow” lets this happen for 127.0.0.1 without asking Tester again, until revoked in /permissions.',
    );
    assert.deepEqual(
      buttonsOf(prompt).map((b) => b.text),
      ['Fetch', "Don't fetch", '♾️ Always allow 127.0.0.1', 'Details'],
    );
    await fx.press(prompt, ':n', /no page/);
    assert.equal(fx.tg.callbackAnswers().at(-1)?.text, "Don't fetch — nothing was done.");
    assert.match(
      await closedPrompt(prompt.messageId),
      /^Fetch a page from 127\.0\.0\.1\?\n[\s\S]*\n✖️ Don't fetch — nothing was done \(Tester at \d\d:\d\d\)$/,
    );
  });
});

/**
 * The chat guide's approval screen: the whole app in-process (the child process can't reach a local page: its net
 * guard blocks private addresses, as it should), fetching a page from a local server after the user approves.
 * This file shifts its own process's wall clock to the guide's time, so the prompt's "decide by" time is stable.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  AGENT_MODEL,
  type Rule,
  delegate,
  dispatcher,
  lastFunctionResponses,
  roleOf,
} from '../e2e/acceptance-support.ts';
import { closeServer } from '../support/http-util.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import type { Mask } from '../support/transcript.ts';
import { shiftClock } from './clock-shift.mjs';
import {
  GUIDE_EPOCH,
  type Guide,
  type Person,
  WAIT_MS,
  assertScreen,
  backgroundRule,
  button,
  guideSteps,
  saying,
  withButton,
  writeScreen,
} from './guide-kit.ts';

const OLGA: Person = { id: 5101, firstName: 'Olga' };

/** What the screen must show (see EXPECT in chat-guide.test.ts). */
const EXPECT = [
  /👤 You: What's on the menu today\? http:\/\/localhost:8080\/menu\n🤖 Bot: [^👤]*localhost/u,
  /👤 You tap \[/,
  /Mushroom risotto/,
];

const PAGE = `<!doctype html><html><head><title>Café Lumen</title></head><body>
<h1>Today's menu</h1><ul><li>Tomato soup — 6 €</li><li>Mushroom risotto — 14 €</li><li>Apple cake — 4 €</li></ul></body></html>`;

let g: Guide;
let app: WholeApp;
let url = '';
const page = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(PAGE);
});

/** The assistant fetches the page the user linked and answers from what the tool returned. */
const rules: Rule[] = [
  backgroundRule,
  delegate(/menu/i, 'assistant'),
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'assistant') return undefined;
    const [fetched] = lastFunctionResponses(req);
    if (!fetched) return { functionCalls: [{ name: 'http_fetch', args: { url } }] };
    const text = String(fetched.response.text ?? fetched.response.content ?? JSON.stringify(fetched.response));
    const dishes = [...text.matchAll(/([A-Z][a-z]+ [a-z]+) — (\d+ €)/g)].map((m) => `• ${m[1]} (${m[2]})`);
    return {
      text:
        dishes.length > 0
          ? `Today at Café Lumen:\n${dishes.join('\n')}`
          : `I couldn't read the menu: ${text.slice(0, 200)}`,
    };
  },
];

before(async () => {
  shiftClock(GUIDE_EPOCH, Date.now());
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const port = (page.address() as AddressInfo).port;
  url = `http://localhost:${port}/menu`;
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const unmatched: Parameters<typeof dispatcher>[1] = [];
  gemini.setHandler(dispatcher(rules, unmatched));
  app = await startWholeApp({ tg, gemini, allowedUserIds: [OLGA.id], allowPrivateFetch: true });
  const masks: Mask[] = [[`localhost:${port}`, 'localhost:8080']];
  g = guideSteps({
    tg,
    gemini,
    unmatched,
    masks,
    async close() {
      await app.close();
      await tg.close();
      await gemini.close();
      await closeServer(page);
    },
  });
});

after(async () => {
  await g?.close();
});

test('a web fetch outside the allowed sites waits for Approve, then the answer uses the page', async () => {
  // Set-up, not shown: Olga picks her time zone.
  const question = await g.say(OLGA, '/start', withButton(/Berlin/));
  await g.tap(OLGA, OLGA.id, question.messageId, button(/Berlin/));
  await g.tg.waitForBotMessage(OLGA.id, saying(/Berlin/), { since: question.messageId, timeoutMs: WAIT_MS });
  await g.quiet();
  const from = g.mark(OLGA.id);

  const prompt = await g.say(OLGA, `What's on the menu today? ${url}`, withButton(/approve|^ap:.*:y$/i));
  await g.tap(OLGA, OLGA.id, prompt.messageId, button(/approve|^ap:.*:y$/i));
  await g.tg.waitForBotMessage(OLGA.id, saying(/Mushroom risotto/), { since: prompt.messageId, timeoutMs: WAIT_MS });
  await g.quiet();
  const text = g.render(OLGA.id, from);
  assertScreen('approval', text, EXPECT);
  writeScreen('approval', [{ transcript: text }]);
  assert.deepEqual(
    g.unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
    [],
    'every model request was scripted',
  );
});

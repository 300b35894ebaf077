/**
 * Issue 17, part 2 (workflows), through the whole app (src/app.ts in-process against the fake Bot API and fake
 * Gemini; in-process so http_fetch may read local pages): the shipped morning briefing posts one message with exactly
 * one cheap-model call per page; a tool step that needs approval suspends the run, posts Approve/Deny and resumes
 * on the decision (Deny: the step never runs).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/load.ts';
import { systemClock } from '../../src/core/clock.ts';
import { type FakeGemini, type RecordedRequest, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf } from '../e2e/acceptance-support.ts';

const ALICE = 7701;
const pageHits: string[] = [];
const site = createServer((req, res) => {
  pageHits.push(req.url ?? '');
  const n = /\/page(\d)/.exec(req.url ?? '')?.[1] ?? '0';
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(
    `<html><head><title>Page ${n}</title></head><body><article><p>News number ${n}: it rained.</p></article></body></html>`,
  );
});
let siteBase = '';

function summarise(req: RecordedRequest) {
  const n = /News number (\d)/.exec(req.lastUserText)?.[1];
  return { text: n ? `- summary of page ${n}` : 'no page' };
}

const generates = (g: FakeGemini, since: number) =>
  g.requests.slice(since).filter((r) => r.kind === 'generate' || r.kind === 'stream');

/** Without the http_fetch rule, fetching the local pages needs no approval (the approval test keeps the rule). */
const withoutFetchRule = (config: Config): Config => {
  const { http_fetch: _fetch, ...tools } = config.approvals.tools;
  return { ...config, approvals: { ...config.approvals, tools } };
};

describe('workflows through the whole app', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  before(async () => {
    siteBase = await listen(site);
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(summarise);
  });
  after(async () => {
    await tg?.close();
    await gemini?.close();
    await closeServer(site);
  });

  it('the morning briefing posts one message with exactly one cheap-model call per page (3 pages, 3 calls)', async () => {
    const app: WholeApp = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [ALICE],
      allowPrivateFetch: true,
      config: withoutFetchRule,
    });
    try {
      const since = gemini.requests.length;
      const urls = [1, 2, 3].map((n) => `${siteBase}/page${n}`).join(',');
      tg.sendUserMessage({ chatId: ALICE, firstName: 'Alice', text: `/workflows run morning-briefing urls=${urls}` });
      const briefing = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('☀️'), { timeoutMs: 20_000 });
      for (const n of [1, 2, 3]) {
        assert.ok(briefing.text.includes(`summary of page ${n}`), briefing.text);
        assert.ok(briefing.text.includes(`Page ${n}`), briefing.text);
      }
      await app.app.workflows.idle();
      const calls = generates(gemini, since);
      assert.equal(calls.length, 3, 'N pages = N model calls');
      const cheap = app.app.config.env.GEMINI_ROUTER_MODEL;
      assert.ok(
        calls.every((c) => c.model === cheap),
        `every call on the cheap model ${cheap}`,
      );
      assert.ok(
        calls.every((c) => /<<<untrusted_content source="127\.0\.0\.1[^"]*">>>/.test(c.lastUserText)),
        'the page reaches the model framed as data',
      );
      assert.equal(tg.transcript(ALICE).filter((m) => m.text.startsWith('☀️')).length, 1, 'one briefing');
      const log = await app.store.query(
        `SELECT e.seq FROM workflow_events e JOIN workflow_runs r ON r.id = e.run_id WHERE r.status = 'done' ORDER BY e.seq`,
      );
      assert.deepEqual(
        log.map((r) => Number(r.seq)),
        log.map((_r, i) => i + 1),
        'the event log runs 1..N without a gap',
      );
    } finally {
      await app.close();
    }
  });

  it('a tool step that needs approval suspends the run, posts Approve/Deny and resumes on the decision', async () => {
    const app: WholeApp = await startWholeApp({ tg, gemini, allowedUserIds: [ALICE], allowPrivateFetch: true });
    try {
      const isPrompt = (m: TranscriptEntry) => buttonsOf(m).some((b) => b.data.startsWith('wf:d:'));
      let since = tg.transcript(ALICE).at(-1)?.messageId ?? 0;
      const hits = pageHits.length;
      tg.sendUserMessage({ chatId: ALICE, text: `/workflows run morning-briefing urls=${siteBase}/page4` });
      const prompt = await tg.waitForBotMessage(ALICE, isPrompt, { timeoutMs: 20_000, since });
      assert.match(prompt.text, /morning-briefing/);
      assert.equal(pageHits.length, hits, 'nothing fetched before the decision');
      const statusNow = async () =>
        (await app.store.get('SELECT status FROM workflow_runs ORDER BY created_at DESC LIMIT 1'))?.status;
      for (let i = 0; i < 500 && (await statusNow()) !== 'suspended'; i++) await sleep(20);
      assert.equal(await statusNow(), 'suspended', 'the run waits, without a lease');

      const approve = buttonsOf(prompt).find((b) => b.data.endsWith(':a'));
      assert.ok(approve);
      tg.pressButton({ chatId: ALICE, messageId: prompt.messageId, data: approve.data, userId: ALICE });
      const briefing = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('☀️'), {
        timeoutMs: 20_000,
        since: prompt.messageId,
      });
      assert.ok(briefing.text.includes('summary of page 4'), briefing.text);
      assert.equal(pageHits.length, hits + 1, 'fetched once, after Approve');
      // A second press is answered, and changes nothing.
      tg.pressButton({ chatId: ALICE, messageId: prompt.messageId, data: approve.data, userId: ALICE });

      // Deny: the step never runs and the run says why it stopped.
      since = tg.transcript(ALICE).at(-1)?.messageId ?? 0;
      const calls = generates(gemini, 0).length;
      tg.sendUserMessage({ chatId: ALICE, text: `/workflows run morning-briefing urls=${siteBase}/page5` });
      const second = await tg.waitForBotMessage(ALICE, isPrompt, { timeoutMs: 20_000, since });
      const deny = buttonsOf(second).find((b) => b.data.endsWith(':d'));
      assert.ok(deny);
      tg.pressButton({ chatId: ALICE, messageId: second.messageId, data: deny.data, userId: ALICE });
      const stopped = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('⚠️'), {
        timeoutMs: 20_000,
        since: second.messageId,
      });
      assert.match(stopped.text, /did not approve http_fetch/);
      await app.app.workflows.idle();
      assert.equal(pageHits.length, hits + 1, 'a denied fetch never ran');
      assert.equal(generates(gemini, 0).length, calls, 'and no model call was made for it');
    } finally {
      await app.close();
    }
  });

  it('a scheduled job triggers the workflow: the briefing is posted once and the run counts as delivered', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };
    const app: WholeApp = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [ALICE],
      allowPrivateFetch: true,
      config: withoutFetchRule,
      clock,
    });
    try {
      const urls = [5, 6].map((n) => `${siteBase}/page${n}`).join(',');
      const { job } = await app.app.scheduler.create({
        ownerUserId: ALICE,
        chat: { chatId: ALICE, type: 'private' },
        kind: 'prompt',
        text: '',
        routine: { workflow: 'morning-briefing', params: { urls } },
        when: { in: { minutes: 30 } },
      });
      assert.equal(job.target?.type, 'workflow');
      await assert.rejects(
        app.app.scheduler.create({
          ownerUserId: ALICE,
          chat: { chatId: ALICE, type: 'private' },
          kind: 'prompt',
          text: '',
          routine: { workflow: 'no-such-flow' },
          when: { in: { minutes: 30 } },
        }),
        /no-such-flow|morning-briefing/,
        'an unknown workflow is refused, naming what exists',
      );
      const since = tg.transcript(ALICE).at(-1)?.messageId ?? 0;
      const calls = gemini.requests.length;
      offset += 31 * 60_000;
      await app.app.scheduler.tick();
      const briefing = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('☀️'), { timeoutMs: 20_000, since });
      for (const n of [5, 6]) assert.ok(briefing.text.includes(`summary of page ${n}`), briefing.text);
      await app.app.workflows.idle();
      assert.equal(generates(gemini, calls).length, 2, 'N pages = N model calls, no router call');
      const runs = await app.store.query('SELECT status FROM job_runs WHERE job_id = ?', [job.id]);
      assert.deepEqual(
        runs.map((r) => r.status),
        ['delivered'],
      );
      const posted = tg.transcript(ALICE).filter((m) => m.messageId > since && m.text.startsWith('☀️'));
      assert.equal(posted.length, 1, 'one briefing');
    } finally {
      await app.close();
    }
  });
});

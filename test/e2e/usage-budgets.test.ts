/**
 * Issue 15 point 3 through the whole app (src/app.ts wired as main.ts wires it, against the fake Bot API and the fake
 * Gemini): /usage shows the tokens the fake reported in usageMetadata, by agent and by kind, and a PNG chart; a user
 * over budget gets the budget message and no model call is made for them; the 80 % warning comes once; the owner's
 * "Raise to …" button raises the limit and the user is answered again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf } from '../support/approval-app.ts';
import { isBackground, roleOf } from './acceptance-support.ts';

const OWNER = 7701;
const USER = 7702;
const GROUP = -100_7701;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const wait = { timeoutMs: 15_000 };

/** Background memory work reports no tokens, so the totals are exactly the turns' calls. */
const QUIET: Reply['usage'] = { promptTokenCount: 0, candidatesTokenCount: 0 };

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;

async function say(chatId: number, text: string, expected: RegExp): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId, text });
  return tg.waitForBotMessage(chatId, (m) => expected.test(m.text), wait);
}

function background(req: RecordedRequest): Reply | undefined {
  if (roleOf(req) === 'extraction') return { text: '[]', usage: QUIET };
  if (roleOf(req) === 'summary') return { text: 'summary', usage: QUIET };
  return undefined;
}

describe('usage and budgets (whole app)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    app = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER, USER] });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('/usage after a few turns shows the usageMetadata tokens, by agent and by kind, and a PNG chart', async () => {
    // Router (gemini-2.5-flash-lite): 1000 in + 20 out; assistant (gemini-2.5-flash): 2000 in (500 cached) + 100 out.
    gemini.setHandler((req) => {
      if (req.kind === 'embed') return undefined;
      const role = roleOf(req);
      if (role === 'router')
        return {
          functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }],
          usage: { promptTokenCount: 1000, candidatesTokenCount: 20 },
        };
      if (role === 'assistant')
        return {
          text: `answer to ${req.lastUserText}`,
          usage: { promptTokenCount: 2000, candidatesTokenCount: 100, cachedContentTokenCount: 500 },
        };
      return background(req);
    });
    for (const n of [1, 2, 3]) await say(OWNER, `question ${n}`, new RegExp(`answer to question ${n}`));
    await app.app.memory.idle();
    const turnCalls = gemini.generateCalls().filter((r) => !isBackground(r));
    assert.equal(turnCalls.length, 6, 'two calls per turn');

    const report = await say(OWNER, '/usage', /Today:/);
    // 3 × (1020 + 2100) tokens; cost 3 × (1000 × $0.10 + 20 × $0.40 + 1500 × $0.30 + 500 × $0.03 + 100 × $2.50) / 1M.
    assert.match(report.text, /Today: 9,360 tokens, \$0\.0025/);
    assert.match(report.text, /This month: 9,360 tokens/);
    assert.match(report.text, /• assistant: 6,300 tokens, \$0\.0021/);
    assert.match(report.text, /• router: 3,060 tokens, \$0\.00032/);
    assert.match(report.text, /• chat: 9,360 tokens/);
    const chart = await tg.waitForBotMessage(OWNER, (m) => m.kind === 'photo', { ...wait, since: report.messageId });
    assert.match(chart.text, /Tokens per day/);
    const file = tg.file(chart.photo?.fileId ?? '');
    assert.ok(file, 'the chart was uploaded');
    assert.deepEqual([...file.data.subarray(0, 8)], PNG_SIGNATURE, 'a PNG');
    assert.ok(file.data.length > 1000, `a real image (${file.data.length} bytes)`);

    // The other user has their own (empty) totals; only the owner sees everyone.
    const theirs = await say(USER, '/usage', /Today:/);
    assert.match(theirs.text, /Today: 0 tokens/);
    const denied = await say(USER, '/usage all', /owner/);
    assert.match(denied.text, /Only the owner/);
    const all = await say(OWNER, '/usage all', /Everyone/);
    assert.match(all.text, /9,360 tokens/);
    // Not in a group: everyone's spending is not for the group to read.
    tg.sendUserMessage({ chatId: GROUP, userId: OWNER, text: '/usage all' });
    const inGroup = await tg.waitForBotMessage(GROUP, undefined, wait);
    assert.match(inGroup.text, /only in a private chat/);
  });

  it('over budget: the budget message, no model call, one 80 % warning, and the owner raises the limit', async () => {
    // Router answers directly: 8100 prompt tokens on gemini-2.5-flash-lite = $0.00081 a turn.
    gemini.setHandler((req) => {
      if (req.kind === 'embed') return undefined;
      if (roleOf(req) === 'router')
        return { text: `ok: ${req.lastUserText}`, usage: { promptTokenCount: 8100, candidatesTokenCount: 0 } };
      return background(req);
    });
    const set = await say(OWNER, `/usage limit ${USER} day 0.002`, /limit/);
    assert.match(set.text, /daily limit: \$0\.002/);

    const first = await say(USER, 'one', /ok: one/);
    assert.doesNotMatch(first.text, /⚠️/, '40 %: no warning');
    const second = await say(USER, 'two', /ok: two/);
    assert.match(second.text, /⚠️ You have used 81% of your daily budget \(\$0\.0016 of \$0\.002\)/);
    const third = await say(USER, 'three', /ok: three/);
    assert.doesNotMatch(third.text, /⚠️/, 'the warning comes once a period');
    assert.equal(tg.botMessages(USER).filter((m) => m.text.includes('⚠️')).length, 1);

    await app.app.memory.idle();
    const callsBefore = gemini.generateCalls().length;
    const blocked = await say(USER, 'four', /budget/);
    assert.match(blocked.text, /used up your daily budget \(\$0\.0024 of \$0\.002\)/);
    await app.app.memory.idle();
    assert.equal(gemini.generateCalls().length, callsBefore, 'no model call for a user over budget');

    const notice = await tg.waitForBotMessage(OWNER, (m) => /used up their daily budget/.test(m.text), {
      ...wait,
      since: 'any',
    });
    const raise = buttonsOf(notice).find((b) => b.text === 'Raise to $0.004');
    assert.ok(raise, `a raise button: ${JSON.stringify(buttonsOf(notice))}`);
    tg.pressButton({ chatId: OWNER, messageId: notice.messageId, data: raise.data, userId: OWNER });
    await tg.waitForBotMessage(OWNER, (m) => /Raised: .*daily limit is now \$0\.004/.test(m.text), wait);
    await tg.waitForBotMessage(USER, (m) => /raised your daily limit to \$0\.004/.test(m.text), {
      ...wait,
      since: 'any',
    });

    const again = await say(USER, 'five', /ok: five/);
    assert.ok(again, 'answered again after the raise');
    assert.ok(gemini.generateCalls().length > callsBefore);
  });

  it('/export holds the user’s usage and their limit; /wipe deletes them and leaves others’ usage', async () => {
    tg.sendUserMessage({ chatId: USER, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(USER).find((m) => m.kind === 'document'), {
      ...wait,
      label: 'export document',
    });
    const file = tg.file(doc.document?.fileId ?? '');
    assert.ok(file, 'the export file');
    const data = JSON.parse(Buffer.from(file.data).toString('utf8')) as {
      usage: { calls: { purpose: string; agent: string; inputTokens: number; costUsd: number }[]; limits: unknown };
    };
    const chat = data.usage.calls.filter((c) => c.purpose === 'chat');
    assert.equal(chat.length, 4, 'the four answered turns');
    assert.ok(chat.every((c) => c.agent === 'router' && c.inputTokens === 8100 && c.costUsd > 0));
    assert.deepEqual(data.usage.limits, { dailyUsd: 0.004, monthlyUsd: null });

    const count = async (userId: number) =>
      Number((await app.store.get('SELECT COUNT(*) AS n FROM llm_calls WHERE user_id = ?', [userId]))?.n);
    const owners = await count(OWNER);
    assert.ok(owners > 0);
    const prompt = await say(USER, '/wipe', /Erase everything/);
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes, 'a Yes button');
    tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: yes.data, userId: USER });
    await tg.waitFor(() => /^Done\. I erased/.test(tg.message(USER, prompt.messageId)?.text ?? '') || undefined, {
      ...wait,
      label: 'wipe done',
    });
    assert.equal(await count(USER), 0, 'the user’s usage rows are gone');
    assert.equal(await app.store.get('SELECT 1 AS x FROM usage_budgets WHERE user_id = ?', [USER]), undefined);
    assert.equal(await count(OWNER), owners, 'the owner’s usage stays');
  });
});

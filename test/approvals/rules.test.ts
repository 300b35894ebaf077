/**
 * The pure rules of the approvals service, without a database: the terms a call is asked with, the rows of a round,
 * what a press means and what the resumed run is told.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { termsFor } from '../../src/approvals/call-terms.ts';
import { chooseAnswer, chooseDecision } from '../../src/approvals/decision-rules.ts';
import { createApprovalPolicy } from '../../src/approvals/policy.ts';
import { approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import type { ApprovalRecord } from '../../src/approvals/records.ts';
import { resolutionFor, resolutionsFor } from '../../src/approvals/resolution.ts';
import { buildRound } from '../../src/approvals/round.ts';
import type { PendingCall, TurnRequest } from '../../src/core/turn.ts';

const policy = createApprovalPolicy(
  approvalsConfigSchema.parse(JSON.parse(readFileSync('config/approvals.json', 'utf8'))),
);

const gatePayload = {
  timeoutMs: 600_000,
  scheduledTimeoutMs: 300_000,
  fallback: 'approve',
  allowAlways: true,
  grantTarget: 'example.com',
  summary: 'url: https://example.com/',
  reason: 'Fetching pages from unknown hosts needs approval.',
  confirm: { title: 'Fetch a page from example.com?', yes: 'Fetch', no: "Don't" },
  turnReadUntrusted: false,
};

const call = (payload: Record<string, unknown>, kind: PendingCall['kind'] = 'approval'): PendingCall => ({
  callId: 'c1',
  agent: 'assistant',
  tool: 'http_fetch',
  args: { url: 'https://example.com/' },
  kind,
  payload,
});

const request: TurnRequest = {
  turnId: 'update:1',
  userId: 42,
  userName: ' Ann ',
  chat: { chatId: 42, type: 'private' },
  text: 'read example.com',
  attachments: [],
  source: 'telegram',
  timezone: 'Europe/Lisbon',
};

describe('call terms (pure)', () => {
  it("the user's own untainted request reads as a confirmation that never goes ahead on its own", () => {
    const t = termsFor(call(gatePayload), 'telegram', policy);
    assert.equal(t.presentation.style, 'confirm');
    assert.equal(t.presentation.title, 'Fetch a page from example.com?');
    assert.equal(t.fallback, 'deny', 'a confirmation nobody answered is denied');
    assert.equal(t.timeoutMs, 600_000);
    assert.equal(t.grantTarget, 'example.com');
  });

  it('a scheduled or tainted run is a formal approval with the scheduled timeout and the rule fallback', () => {
    const scheduled = termsFor(call(gatePayload), 'schedule', policy);
    assert.equal(scheduled.presentation.style, 'formal');
    assert.equal(scheduled.timeoutMs, 300_000);
    assert.equal(scheduled.fallback, 'approve');
    const tainted = termsFor(call({ ...gatePayload, turnReadUntrusted: true }), 'telegram', policy);
    assert.equal(tainted.presentation.style, 'formal');
  });

  it('"Always allow" needs a grant target', () => {
    const { grantTarget: _t, ...noTarget } = gatePayload;
    const t = termsFor(call(noTarget), 'telegram', policy);
    assert.equal(t.allowAlways, false);
    assert.equal(t.grantTarget, undefined);
  });

  it("without the gate's terms, the policy's terms and a formal prompt apply", () => {
    const t = termsFor(call({}), 'telegram', policy);
    assert.equal(t.presentation.style, 'formal');
    assert.equal(t.allowAlways, false);
    assert.equal(t.summary, '', 'URL arguments are shown whole by the prompt, not in the summary');
    const unlisted = termsFor({ ...call({}), tool: 'not_listed' }, 'telegram', policy);
    assert.match(unlisted.reason ?? '', /couldn't check whether this needs approval/);
  });
});

describe('a round of approvals (pure)', () => {
  it('one record per call with ids in order, the requester, capped timeouts and announcing events', () => {
    let n = 0;
    const question = call({ question: 'Which one?', options: [' A ', 'A', 'B', ''] }, 'question');
    const { records, events } = buildRound({
      runId: 'r1',
      round: 1,
      request,
      origin: 'telegram',
      suspension: { snapshot: {}, pending: [call(gatePayload), { ...question, callId: 'c2' }] },
      budgetMs: 5000,
      now: 1_000_000,
      newId: () => `id${++n}`,
      policy,
    });
    assert.deepEqual(
      records.map((r) => [r.id, r.kind, r.callId, r.requestedByName, r.expiresAt, r.status]),
      [
        ['id1', 'approval', 'c1', 'Ann', 1_005_000, 'pending'],
        ['id2', 'question', 'c2', 'Ann', 1_005_000, 'pending'],
      ],
    );
    assert.deepEqual(records[1]?.options, ['A', 'B'], 'options trimmed, deduplicated, empty ones dropped');
    assert.deepEqual(
      events.map((e) => e.type),
      ['approval_requested', 'question_asked'],
    );
  });
});

function record(over: Partial<ApprovalRecord>): ApprovalRecord {
  return {
    id: 'a1',
    runId: 'r1',
    round: 1,
    callId: 'c1',
    agent: 'assistant',
    tool: 'schedule_delete',
    args: { id: 'j1' },
    kind: 'approval',
    question: undefined,
    options: [],
    summary: 'id: j1',
    reason: undefined,
    allowAlways: false,
    grantTarget: undefined,
    presentation: { style: 'confirm', title: 'Delete the reminder “Tea”?', yes: 'Delete', no: 'Keep' },
    requestedBy: 42,
    requestedByName: 'Ann',
    chat: { chatId: 42 },
    timezone: 'UTC',
    status: 'pending',
    answer: undefined,
    always: false,
    expiresAt: 600_000,
    fallback: 'deny',
    decidedBy: undefined,
    decidedByName: undefined,
    decidedAt: undefined,
    createdAt: 0,
    ...over,
  };
}

describe('what a press means (pure)', () => {
  it("a confirmation answers with the action's own verbs; a formal approval with Approved/Denied", () => {
    assert.deepEqual(chooseDecision(record({}), 'y'), { status: 'approved', reply: 'Delete ✅' });
    assert.deepEqual(chooseDecision(record({}), 'n'), { status: 'denied', reply: 'Keep — nothing was done.' });
    const formal = record({ presentation: undefined });
    assert.deepEqual(chooseDecision(formal, 'y'), { status: 'approved', reply: 'Approved ✅' });
    assert.deepEqual(chooseDecision(formal, 'n'), { status: 'denied', reply: 'Denied ❌' });
  });

  it('"Always allow" counts only where it was offered', () => {
    assert.ok('invalid' in chooseDecision(record({}), 'a'));
    const offered = chooseDecision(record({ allowAlways: true, grantTarget: 'example.com' }), 'a');
    assert.ok(!('invalid' in offered) && offered.always === true && offered.status === 'approved');
  });

  it('a question option is its answer; a missing option is refused', () => {
    const q = record({ kind: 'question', options: ['Tea', 'Coffee'], presentation: undefined });
    assert.deepEqual(chooseAnswer(q, 1), { status: 'answered', answer: 'Coffee', reply: 'Got it: Coffee' });
    assert.ok('invalid' in chooseAnswer(q, 2));
  });
});

describe('what the resumed run is told (pure)', () => {
  it('approved, denied with the button the user tapped, answered, expired with the fallback', () => {
    assert.deepEqual(resolutionFor(record({ status: 'approved' })), { type: 'approved' });
    const denied = resolutionFor(record({ status: 'denied', decidedByName: 'Ann' }));
    assert.equal(denied.type, 'denied');
    assert.match(denied.type === 'denied' ? denied.reason : '', /^Ann tapped “Keep”\. Do not retry it/);
    const expired = resolutionFor(record({ status: 'expired' }));
    assert.match(expired.type === 'denied' ? expired.reason : '', /within 10 minutes, so it was denied/);
    assert.deepEqual(resolutionFor(record({ status: 'expired', fallback: 'approve' })), { type: 'approved' });
    const q = record({ kind: 'question', status: 'expired', fallback: 'no answer' });
    assert.deepEqual(resolutionFor(q), { type: 'answer', value: 'no answer' });
    assert.throws(() => resolutionFor(record({})), /still pending/);
  });

  it('a pending call with no settled row is denied rather than run', () => {
    const all = resolutionsFor([{ callId: 'c1' }, { callId: 'c9' }], [record({ status: 'approved' })]);
    assert.deepEqual(all.c1, { type: 'approved' });
    assert.equal(all.c9?.type, 'denied');
  });
});

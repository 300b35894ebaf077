import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail } from '../../src/approvals/audit.ts';
import type { RunEvent } from '../../src/approvals/events.ts';

const ANN = 11;
const BOB = 22;
const ev = (
  runId: string,
  seq: number,
  type: RunEvent['type'],
  data: Record<string, unknown>,
  userId = ANN,
): RunEvent => ({
  runId,
  seq,
  type,
  data,
  chatId: 5,
  userId,
  at: Date.UTC(2026, 0, 1, 10, seq),
});
const time = (at: number) => new Date(at).toISOString().slice(11, 16);

describe('audit trail for /why', () => {
  it('shows only the latest run, in order, with who decided what', () => {
    const { lines } = auditTrail(
      [
        ev('old', 1, 'approval_requested', { tool: 'forget' }),
        ev('new', 1, 'approval_requested', { tool: 'schedule_delete' }),
        ev('new', 2, 'unauthorized_click', { name: 'Eve' }),
        ev('new', 3, 'approval_decided', { tool: 'schedule_delete', decision: 'approved', name: 'Ann' }),
        ev('new', 4, 'resumed', {}),
        ev('new', 5, 'tool_result', { tool: 'schedule_delete', ok: true, summary: 'deleted job 12' }),
        ev('new', 6, 'finished', { status: 'done' }),
      ],
      ANN,
      time,
    );
    assert.deepEqual(lines, [
      '10:01 asked for approval: schedule_delete',
      '10:03 ✅ approved: schedule_delete by Ann',
      '10:05 ⚙️ schedule_delete: deleted job 12',
    ]);
  });

  it('describes denials, expiries and questions, and is empty without events', () => {
    assert.deepEqual(auditTrail([], ANN, time), { lines: [], calls: {}, waiting: [] });
    const { lines } = auditTrail(
      [
        ev('r', 1, 'question_asked', { question: 'Which one?' }),
        ev('r', 2, 'question_answered', { answer: 'the second', name: 'Bo' }),
        ev('r', 3, 'approval_decided', { tool: 'http_fetch', decision: 'denied', name: 'Bo' }),
        ev('r', 4, 'approval_expired', { tool: 'forget', fallback: 'deny' }),
      ],
      ANN,
      time,
    );
    assert.deepEqual(lines, [
      '10:01 asked: “Which one?”',
      '10:02 answered: “the second” by Bo',
      '10:03 ❌ denied: http_fetch by Bo',
      '10:04 ⌛ expired: forget (fallback: deny)',
    ]);
  });

  it("shows only the asker's own runs: a group member's later run (or a run of unknown owner) is never shown", () => {
    const events = [
      ev('ann-run', 1, 'approval_requested', { tool: 'forget' }, ANN),
      ev('ann-run', 2, 'approval_decided', { tool: 'forget', decision: 'denied', name: 'Ann' }, ANN),
      ev('bob-run', 3, 'approval_requested', { tool: 'http_fetch' }, BOB),
      ev('bob-run', 4, 'question_asked', { question: 'Bob’s private question?' }, BOB),
      { ...ev('orphan', 5, 'approval_requested', { tool: 'schedule_delete' }), userId: undefined },
    ];
    assert.deepEqual(auditTrail(events, ANN, time).lines, [
      '10:01 asked for approval: forget',
      '10:02 ❌ denied: forget by Ann',
    ]);
    assert.deepEqual(auditTrail(events, BOB, time).lines, [
      '10:03 asked for approval: http_fetch',
      '10:04 asked: “Bob’s private question?”',
    ]);
    assert.deepEqual(auditTrail(events, 33, time).lines, []);
  });

  it('says how each paused call was decided, by call id, and which calls of the latest run still wait', () => {
    const trail = auditTrail(
      [
        ev('a', 1, 'approval_requested', {
          approvalId: 'p1',
          callId: 'c1',
          tool: 'http_fetch',
          summary: 'url: https://www.example.com/x?q=1',
        }),
        ev('a', 2, 'approval_decided', {
          approvalId: 'p1',
          tool: 'http_fetch',
          decision: 'approved',
          by: ANN,
          name: 'Ann',
        }),
        ev('a', 3, 'question_asked', { approvalId: 'q1', callId: 'c2', question: 'Which one?' }),
        ev('a', 4, 'question_answered', { approvalId: 'q1', answer: 'the red one', by: BOB, name: 'Bob' }),
        ev('a', 5, 'finished', { status: 'done' }),
        ev('b', 6, 'approval_requested', {
          approvalId: 'p2',
          callId: 'c3',
          tool: 'forget',
          summary: 'query: my address',
        }),
        ev('b', 7, 'approval_requested', { approvalId: 'p3', callId: 'c4', tool: 'schedule_delete', summary: 'id: 1' }),
        ev('b', 8, 'approval_expired', { approvalId: 'p3', tool: 'schedule_delete', fallback: 'deny' }),
      ],
      ANN,
      time,
    );
    assert.deepEqual(trail.calls.c1, {
      kind: 'approval',
      tool: 'http_fetch',
      outcome: 'approved',
      by: ANN,
      name: 'Ann',
      target: 'example.com',
    });
    assert.deepEqual(trail.calls.c2, {
      kind: 'question',
      tool: 'ask_user',
      outcome: 'answered',
      question: 'Which one?',
      answer: 'the red one',
      by: BOB,
      name: 'Bob',
    });
    assert.equal(trail.calls.c4?.outcome, 'expired');
    assert.equal(trail.calls.c4?.fallback, 'deny');
    assert.deepEqual(
      trail.waiting,
      [{ kind: 'approval', tool: 'forget', outcome: 'waiting' }],
      'only the open call of the latest run',
    );
  });
});

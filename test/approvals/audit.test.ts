import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail } from '../../src/approvals/audit.ts';
import type { RunEvent } from '../../src/approvals/events.ts';

const ANN = 11;
const BOB = 22;
const ev = (runId: string, seq: number, type: RunEvent['type'], data: Record<string, unknown>, userId = ANN): RunEvent => ({
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
    const lines = auditTrail(
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
    assert.deepEqual(auditTrail([], ANN, time), []);
    const lines = auditTrail(
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
    assert.deepEqual(auditTrail(events, ANN, time), ['10:01 asked for approval: forget', '10:02 ❌ denied: forget by Ann']);
    assert.deepEqual(auditTrail(events, BOB, time), ['10:03 asked for approval: http_fetch', '10:04 asked: “Bob’s private question?”']);
    assert.deepEqual(auditTrail(events, 33, time), []);
  });
});

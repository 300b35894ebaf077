import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail } from '../../src/approvals/audit.ts';
import type { RunEvent } from '../../src/approvals/events.ts';

const ev = (runId: string, seq: number, type: RunEvent['type'], data: Record<string, unknown>): RunEvent => ({
  runId,
  seq,
  type,
  data,
  chatId: 5,
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
      time,
    );
    assert.deepEqual(lines, [
      '10:01 asked for approval: schedule_delete',
      '10:03 ✅ approved: schedule_delete by Ann',
      '10:05 ⚙️ schedule_delete: deleted job 12',
    ]);
  });

  it('describes denials, expiries and questions, and is empty without events', () => {
    assert.deepEqual(auditTrail([], time), []);
    const lines = auditTrail(
      [
        ev('r', 1, 'question_asked', { question: 'Which one?' }),
        ev('r', 2, 'question_answered', { answer: 'the second', name: 'Bo' }),
        ev('r', 3, 'approval_decided', { tool: 'http_fetch', decision: 'denied', name: 'Bo' }),
        ev('r', 4, 'approval_expired', { tool: 'forget', fallback: 'deny' }),
      ],
      time,
    );
    assert.deepEqual(lines, [
      '10:01 asked: “Which one?”',
      '10:02 answered: “the second” by Bo',
      '10:03 ❌ denied: http_fetch by Bo',
      '10:04 ⌛ expired: forget (fallback: deny)',
    ]);
  });
});

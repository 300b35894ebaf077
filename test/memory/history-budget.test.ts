/** Pure history rules, without a database: what fits the budget, when and what compaction folds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractionDue } from '../../src/memory/fact-extraction.ts';
import {
  type CompactionRow,
  compactionCut,
  compactionPrompt,
  historyBudget,
  needsCompaction,
  trimHistory,
} from '../../src/memory/history-budget.ts';
import type { HistoryMessage } from '../../src/memory/threads.ts';

function msg(id: number, role: 'user' | 'model', tokens: number, text = `m${id}`): HistoryMessage {
  return { id, role, text, userName: null, tokens };
}

describe('history budget', () => {
  it('leaves room for the summary, but never less than 200 tokens', () => {
    assert.equal(historyBudget(8000, undefined), 8000);
    assert.equal(historyBudget(8000, { id: 't', summary: 's', summaryUpto: 3, summaryTokens: 500 }), 7500);
    assert.equal(historyBudget(8000, { id: 't', summary: null, summaryUpto: 0, summaryTokens: 500 }), 8000);
    assert.equal(historyBudget(300, { id: 't', summary: 's', summaryUpto: 3, summaryTokens: 500 }), 200);
  });

  it('keeps the newest messages that fit, oldest first, never starting with a reply', () => {
    const newestFirst = [msg(4, 'model', 10), msg(3, 'user', 10), msg(2, 'model', 10), msg(1, 'user', 10)];
    assert.deepEqual(
      trimHistory(newestFirst, 35).map((m) => m.id),
      [3, 4],
    );
    assert.deepEqual(
      trimHistory(newestFirst, 100).map((m) => m.id),
      [1, 2, 3, 4],
    );
  });

  it('clips the newest message to its tail when even it does not fit', () => {
    const long = msg(9, 'user', 1000, `start ${'x'.repeat(4000)} end`);
    const [kept] = trimHistory([long], 100);
    assert.equal(kept?.tokens, 100);
    assert.ok(kept?.text.startsWith('…'));
    assert.ok(kept?.text.endsWith(' end'));
    assert.equal(kept?.text.length, 1 + 368);
  });
});

describe('compaction', () => {
  const rows: CompactionRow[] = [
    { id: 1, role: 'user', text: 'hi', userName: 'Ann', tokens: 100, turnId: 'a' },
    { id: 2, role: 'model', text: 'hello', userName: null, tokens: 100, turnId: 'a' },
    { id: 3, role: 'user', text: 'plan?', userName: 'Bob', tokens: 100, turnId: 'b' },
    { id: 4, role: 'model', text: 'sure', userName: null, tokens: 100, turnId: 'b' },
  ];

  it('starts once the thread overflows the budget by more than the margin', () => {
    assert.equal(needsCompaction(1000, 800, 200), false);
    assert.equal(needsCompaction(1001, 800, 200), true);
  });

  it('folds the oldest messages until the rest fits half the budget, never splitting a turn', () => {
    assert.deepEqual(
      compactionCut(rows, 400, 400).map((r) => r.id),
      [1, 2],
    );
    assert.deepEqual(
      compactionCut(rows, 400, 500).map((r) => r.id),
      [1, 2],
    );
    assert.deepEqual(
      compactionCut(rows, 400, 0).map((r) => r.id),
      [1, 2, 3, 4],
    );
  });

  it('names speakers in groups and carries the summary so far', () => {
    assert.equal(
      compactionPrompt('Earlier: x', rows.slice(0, 2), true),
      'Summary so far:\nEarlier: x\n\nOlder messages to fold in:\nAnn: hi\nAssistant: hello',
    );
    assert.equal(compactionPrompt(null, rows.slice(2, 3), false), 'Older messages to fold in:\nUser: plan?');
  });
});

describe('extraction is due', () => {
  const rule = { force: false, every: 3, idleMs: 600_000 };
  it('when forced, after enough messages, or once the oldest has waited long enough', () => {
    assert.equal(extractionDue(1, 0, 1000, rule), false);
    assert.equal(extractionDue(1, 0, 1000, { ...rule, force: true }), true);
    assert.equal(extractionDue(3, 0, 1000, rule), true);
    assert.equal(extractionDue(1, 0, 600_000, rule), true);
  });
});

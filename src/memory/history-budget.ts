/**
 * Pure rules of conversation history: which recent messages fit the token budget, when a thread is compacted and
 * which of its oldest messages are folded into the summary.
 */
import type { Content } from '../llm/types.ts';
import { clip } from './text.ts';
import type { HistoryMessage, ThreadRow } from './threads.ts';

/** A stored message as compaction reads it. */
export interface CompactionRow {
  id: number;
  role: 'user' | 'model';
  text: string;
  userName: string | null;
  tokens: number;
  turnId: string;
}

/** Tokens left for recent messages once the thread's summary is in (at least 200). */
export function historyBudget(historyTokens: number, thread: ThreadRow | undefined): number {
  const summaryTokens = thread?.summary ? thread.summaryTokens : 0;
  return Math.max(200, historyTokens - summaryTokens);
}

/**
 * The newest messages (given newest first) that fit `budget`, returned oldest first and never starting with a
 * model turn. When even the newest does not fit, its tail is kept, clipped to the budget.
 */
export function trimHistory(messages: HistoryMessage[], budget: number): HistoryMessage[] {
  const kept: HistoryMessage[] = [];
  let used = 0;
  for (const m of messages) {
    if (used + m.tokens > budget) {
      if (kept.length === 0) {
        const room = Math.max(200, (budget - 8) * 4);
        kept.push({ ...m, text: `…${m.text.slice(-room)}`, tokens: budget });
      }
      break;
    }
    kept.push(m);
    used += m.tokens;
  }
  kept.reverse();
  while (kept.length > 0 && kept[0]?.role === 'model') kept.shift();
  return kept;
}

/** The two turns that put a thread's summary in front of its recent messages. */
export function summaryContents(summary: string): Content[] {
  return [
    {
      role: 'user',
      parts: [{ text: `(Summary of the earlier part of this conversation, for context only:)\n${summary}` }],
    },
    { role: 'model', parts: [{ text: 'Understood, I have the earlier context.' }] },
  ];
}

/** Whether the unsummarized part of a thread exceeds what history can hold by more than `overflow` tokens. */
export function needsCompaction(unsummarized: number, available: number, overflow: number): boolean {
  return unsummarized - available > overflow;
}

/**
 * The oldest messages to fold into the summary so that what remains fits half of `available`; a reply is never
 * separated from its question.
 */
export function compactionCut(rows: CompactionRow[], total: number, available: number): CompactionRow[] {
  const target = Math.floor(available / 2);
  let remaining = total;
  let cut = 0;
  while (cut < rows.length && remaining > target) {
    remaining -= rows[cut]?.tokens ?? 0;
    cut++;
  }
  while (cut < rows.length && rows[cut]?.role === 'model' && rows[cut]?.turnId === rows[cut - 1]?.turnId) cut++;
  return rows.slice(0, cut);
}

/** The summarizer's input: the summary so far and the messages to fold in (speakers named in groups). */
export function compactionPrompt(summary: string | null, folded: CompactionRow[], group: boolean): string {
  const transcript = folded
    .map((r) => {
      const who = r.role === 'model' ? 'Assistant' : group && r.userName ? r.userName : 'User';
      return `${who}: ${clip(r.text, 2000)}`;
    })
    .join('\n');
  return `${summary ? `Summary so far:\n${summary}\n\n` : ''}Older messages to fold in:\n${transcript}`;
}

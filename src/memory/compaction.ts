import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import { SUMMARY_SYSTEM } from './extraction.ts';
import { compactionCut, compactionPrompt, needsCompaction } from './history-budget.ts';
import type { MessageStore } from './message-store.ts';
import { clip, estimateTokens } from './text.ts';
import type { Threads } from './threads.ts';

/** Folds a thread's oldest messages into its running summary once it outgrows the history budget. */
export function createCompaction(deps: {
  threads: Threads;
  messages: MessageStore;
  llm: Llm;
  model: string;
  log: Logger;
  historyTokens: number;
  overflowTokens: number;
}) {
  const { threads, messages, llm, log, historyTokens } = deps;
  const compacting = new Set<string>();

  async function compact(threadId: string, group: boolean): Promise<void> {
    const thread = await threads.get(threadId);
    if (!thread) return;
    const total = await threads.unsummarizedTokens(threadId, thread.summaryUpto);
    const available = historyTokens - thread.summaryTokens;
    if (!needsCompaction(total, available, deps.overflowTokens)) return;
    const rows = await messages.threadMessagesAfter(threadId, thread.summaryUpto);
    const folded = compactionCut(rows, total, available);
    if (folded.length === 0) return;
    const result = await llm.generate({
      model: deps.model,
      system: SUMMARY_SYSTEM,
      contents: [{ role: 'user', parts: [{ text: compactionPrompt(thread.summary, folded, group) }] }],
      temperature: 0.2,
      maxOutputTokens: 1024,
    });
    const summary = clip(result.text, Math.max(400, Math.floor(historyTokens)));
    if (!summary) return;
    const upto = Number(folded[folded.length - 1]?.id);
    await threads.saveSummary(threadId, summary, upto, estimateTokens(summary));
    log.info({ threadId, folded: folded.length, upto }, 'thread compacted');
  }

  /** Compacts the thread if it needs it (one compaction per thread at a time). */
  return async function maybeCompact(threadId: string, group: boolean): Promise<void> {
    if (compacting.has(threadId)) return;
    compacting.add(threadId);
    try {
      await compact(threadId, group);
    } finally {
      compacting.delete(threadId);
    }
  };
}

import type {
  ProcessedCall,
  ProcessorNote,
  ProcessorVerdict,
  TurnProcessing,
  TurnProcessors,
} from '../agents/processors.ts';
import { DEFAULT_LOCALE } from '../i18n/locale.ts';
import type { Processor, ProcessorHooks } from './processor.ts';
import { newMarker } from './spotlight.ts';
import { createStreamFilter } from './stream-filter.ts';

/**
 * Runs `step` over every processor in order: a rewrite feeds the next one, the first halt stops the chain, notes add
 * up.
 */
function runChain<T>(
  hooks: ProcessorHooks[],
  value: T,
  step: (h: ProcessorHooks, v: T) => ProcessorVerdict<T> | undefined,
): ProcessorVerdict<T> {
  let current = value;
  let rewritten = false;
  let notes: ProcessorNote[] | undefined;
  for (const h of hooks) {
    const verdict = step(h, current);
    if (!verdict) continue;
    if (verdict.notes && verdict.notes.length > 0) notes = [...(notes ?? []), ...verdict.notes];
    if (verdict.action === 'halt') return { ...verdict, ...(notes ? { notes } : {}) };
    if (verdict.action === 'rewrite') {
      current = verdict.value;
      rewritten = true;
    }
  }
  if (rewritten) return { action: 'rewrite', value: current, notes: notes ?? [] };
  return notes ? { action: 'pass', notes } : { action: 'pass' };
}

/** One turn's processing from the processors' hooks. */
function turnProcessing(hooks: ProcessorHooks[]): TurnProcessing {
  const redactors = hooks.flatMap((h) => (h.redact ? [h.redact] : []));
  const redact = (text: string) => redactors.reduce((t, r) => r(t), text);
  const holdBack = Math.max(0, ...hooks.map((h) => (h.redact ? (h.holdBack ?? 0) : 0)));
  const dataNote = hooks.find((h) => h.dataNote)?.dataNote;
  const only = <K extends keyof ProcessorHooks>(key: K) => hooks.filter((h) => h[key] !== undefined);
  const inputs = only('input');
  const calls = only('toolCall');
  const results = only('toolResult');
  const outputs = only('output');
  return {
    ...(dataNote ? { dataNote } : {}),
    input: async (text) => runChain(inputs, text, (h, v) => h.input?.(v)),
    toolCall: async (call) =>
      runChain<Record<string, unknown>>(calls, call.args, (h, args) => h.toolCall?.({ ...call, args })),
    toolResult: async (call: ProcessedCall, response) => runChain(results, response, (h, r) => h.toolResult?.(call, r)),
    output: async (text) => runChain(outputs, text, (h, v) => h.output?.(v)),
    redact,
    streamFilter: () => createStreamFilter(redact, redactors.length > 0 ? holdBack : 0),
  };
}

/**
 * The processor chain: the agent loop's `TurnProcessors`, running each configured processor in order at every hook
 * (before the model, before each tool call ahead of the approval gate, after each tool result, before the answer).
 */
export function createProcessorChain(processors: Processor[]): TurnProcessors {
  return {
    async begin(turn) {
      const guardTurn = { ...turn, locale: turn.locale ?? DEFAULT_LOCALE, marker: newMarker() };
      const hooks = await Promise.all(processors.map((p) => p.begin(guardTurn)));
      return turnProcessing(hooks);
    },
  };
}

import type { ProcessedCall, ProcessorVerdict } from '../agents/processors.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';

/** What a processor knows of the turn it runs in. */
export interface GuardTurn extends Pick<TurnRequest, 'turnId' | 'userId' | 'chat' | 'source'> {
  locale: Locale;
  /** A random marker for this turn (spotlighting); never shown to the user. */
  marker: string;
}

/** One processor's hooks for one turn; a hook it leaves out passes. Hooks are synchronous (cheap on a plain turn). */
export interface ProcessorHooks {
  input?(text: string): ProcessorVerdict<string>;
  toolCall?(call: ProcessedCall): ProcessorVerdict<Record<string, unknown>>;
  toolResult?(call: ProcessedCall, response: Record<string, unknown>): ProcessorVerdict<Record<string, unknown>>;
  output?(text: string): ProcessorVerdict<string>;
  /** The output redactions alone (no halts, no logs), for streamed and stored text. */
  redact?(text: string): string;
  /** The longest text `redact` may replace: a stream holds back this many characters until it is sure. */
  holdBack?: number;
  /** A line for the system instruction of agents that read untrusted content. */
  dataNote?: string;
}

/** A built-in (or configured) processor of the chain. */
export interface Processor {
  readonly name: string;
  /** Its hooks for one turn (per-turn state, such as a counter or the user's secrets, lives in them). */
  begin(turn: GuardTurn): ProcessorHooks | Promise<ProcessorHooks>;
}

/** A verdict that changes nothing. */
export const PASS = Object.freeze({ action: 'pass' }) as { action: 'pass' };

import { z } from 'zod';
import type { Attachment } from '../core/turn.ts';
import type { Content, Grounding } from '../llm/types.ts';

/** A function call of the step a frame is stopped in. `callId` is ours (unique in the turn); `id` is the model's. */
export interface FrameCall {
  callId: string;
  id?: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * A suspended agent run, JSON-serializable. A Network's frame holds the frames of its suspended sub-agents under
 * `children`, keyed by the router's call id, so resume goes down to the right frame.
 */
export interface Frame {
  v: 1;
  agent: string;
  /** Full conversation the agent sees: history, the user message, then what this run produced. */
  contents: Content[];
  /** Index of the first content this run produced (the user message is at `newFrom - 1`). */
  newFrom: number;
  step: number;
  systemContext: string;
  /** Text of earlier steps, for an honest partial answer if a limit hits later. */
  texts: string[];
  grounding?: Grounding;
  /**
   * Networks keep the user's attachments so a later delegation can pass them on. In a stored run, `data` here and in
   * `inlineData` parts is a reference to the bytes stored once (src/attachments), swapped back before resuming.
   */
  attachments?: Attachment[];
  /** Calls of the current step, in the model's order. */
  calls: FrameCall[];
  /** Responses already known, by callId. */
  done: Record<string, Record<string, unknown>>;
  /** This agent's own calls waiting for a person. */
  waiting: Record<string, { kind: 'approval' | 'question' }>;
  /** Suspended sub-agent runs, by the router's callId. */
  children: Record<string, Frame>;
}

const record = z.record(z.string(), z.unknown());

const contentSchema = z.object({
  role: z.enum(['user', 'model']),
  parts: z.array(record),
});

const groundingSchema = z.object({
  sources: z.array(z.object({ title: z.string().optional(), uri: z.string() })),
  queries: z.array(z.string()),
});

const attachmentSchema = z.object({ mimeType: z.string(), data: z.string(), name: z.string().optional() });

/** Validates a stored snapshot before resuming it (it may come from the database, written by an older version). */
export const frameSchema: z.ZodType<Frame> = z.lazy(() =>
  z.object({
    v: z.literal(1),
    agent: z.string().min(1),
    contents: z.array(contentSchema) as unknown as z.ZodType<Content[]>,
    newFrom: z.number().int().min(1),
    step: z.number().int().min(0),
    systemContext: z.string(),
    texts: z.array(z.string()),
    grounding: (groundingSchema as z.ZodType<Grounding>).optional(),
    attachments: (z.array(attachmentSchema) as z.ZodType<Attachment[]>).optional(),
    calls: z.array(
      z.object({ callId: z.string().min(1), id: z.string().optional(), name: z.string().min(1), args: record }),
    ) as z.ZodType<FrameCall[]>,
    done: z.record(z.string(), record),
    waiting: z.record(z.string(), z.object({ kind: z.enum(['approval', 'question']) })),
    children: z.record(z.string(), frameSchema),
  }),
);

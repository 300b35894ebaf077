import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Content, Part } from '../llm/types.ts';

/** Longest stored model contents (JSON); longer ones are not kept. */
const MAX_CONTENTS_CHARS = 32_000;

/** The user's message as stored: its text plus one line per attachment. */
export function userText(request: TurnRequest): string {
  const notes = request.attachments.map((a) => `[attachment: ${a.name ?? a.mimeType}]`);
  return [request.text.trim(), ...notes].filter(Boolean).join('\n');
}

/** The reply worth storing: the text of a finished, limited or stopped turn, if any. */
export function replyText(outcome: TurnOutcome): string | undefined {
  return (outcome.status === 'done' || outcome.status === 'limit' || outcome.status === 'stopped') &&
    outcome.text.trim()
    ? outcome.text.trim()
    : undefined;
}

/** The turn's model contents as JSON with inline data emptied, or null when absent or too long. */
export function stripInline(contents: Content[] | undefined): string | null {
  if (!contents || contents.length === 0) return null;
  const cleaned = contents.map((c) => ({
    role: c.role,
    parts: c.parts.map(
      (p): Part => ('inlineData' in p ? { inlineData: { mimeType: p.inlineData.mimeType, data: '' } } : p),
    ),
  }));
  const json = JSON.stringify(cleaned);
  return json.length <= MAX_CONTENTS_CHARS ? json : null;
}

/**
 * When a turn is clearly about the user's library, so its best passages go into the context without a tool call:
 * the text names the library ("in my documents", "в моих документах"), or the Telegram side marked the turn (a reply
 * to a document or to a document card).
 */

const EN =
  /\b(in|from|across|according to|search|check|based on)\s+(my|our|the)\s+(documents?|docs|files?|library|pdfs?|notes|uploads|saved (articles?|links?|pages?))\b/i;
const RU =
  /(^|[\s(«"])(в|во|из|по|среди)\s+(мо(их|ей|ём|ем|им)|наш(их|ей|ем|им))\s+(документ|файл|библиотек|заметк|pdf|сохранённ|сохраненн)/i;

/** True when `text` says the question is about the user's documents. */
export function asksAboutLibrary(text: string): boolean {
  return EN.test(text) || RU.test(text);
}

/** Turns the Telegram side marked as library questions (in-process, bounded). */
export interface LibraryIntent {
  mark(turnId: string): void;
  /** Whether the turn was marked; forgets the mark. */
  take(turnId: string): boolean;
}

const MAX_MARKS = 500;

export function createLibraryIntent(): LibraryIntent {
  const marks = new Set<string>();
  return {
    mark(turnId) {
      marks.add(turnId);
      if (marks.size > MAX_MARKS) marks.delete(marks.values().next().value as string);
    },
    take(turnId) {
      return marks.delete(turnId);
    },
  };
}

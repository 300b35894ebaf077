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

/** Turns the Telegram side marked as library questions, with what to search for (in-process, bounded). */
export interface LibraryIntent {
  /** `query`: the person's own words (without the quoted message the turn's text starts with). */
  mark(turnId: string, query: string): void;
  /** The marked turn's query; forgets the mark. Undefined when the turn was not marked. */
  take(turnId: string): string | undefined;
}

const MAX_MARKS = 500;

export function createLibraryIntent(): LibraryIntent {
  const marks = new Map<string, string>();
  return {
    mark(turnId, query) {
      marks.set(turnId, query);
      if (marks.size > MAX_MARKS) marks.delete(marks.keys().next().value as string);
    },
    take(turnId) {
      const query = marks.get(turnId);
      marks.delete(turnId);
      return query;
    },
  };
}

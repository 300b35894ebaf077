import type { ResumableTurnRunner, TurnOutcome, TurnRequest } from '../../core/turn.ts';
import type { TurnHits } from '../../knowledge/turn-hits.ts';
import type { KnowledgeHit } from '../../knowledge/types.ts';
import { citationKeyboard } from './docs-view.ts';

/** The passages the answer cites: by citation id (as the prompt asks), else by the document's title. */
export function citedIn(text: string, hits: KnowledgeHit[]): KnowledgeHit[] {
  const byId = hits.filter((h) => text.includes(h.citationId));
  if (byId.length > 0) return byId;
  const lower = text.toLowerCase();
  const seen = new Set<string>();
  return hits.filter((h) => {
    if (seen.has(h.documentId) || h.title.length < 3 || !lower.includes(h.title.toLowerCase())) return false;
    seen.add(h.documentId);
    return true;
  });
}

/**
 * Wraps the turn runner: an answer that cites library passages the turn read (`knowledge_search` or injected) gets a
 * citation button per passage ("📄 report.pdf p. 12"); a tap sends the quoted passage (see docs.ts).
 */
export function withCitationButtons(turnHits: TurnHits): (runner: ResumableTurnRunner) => ResumableTurnRunner {
  function decorate(request: TurnRequest, outcome: TurnOutcome): TurnOutcome {
    if (outcome.status === 'suspended') return outcome; // a resume adds the buttons to the answer it ends with
    const hits = turnHits.take(request.turnId);
    if (outcome.status === 'failed' || hits.length === 0) return outcome;
    const cited = citedIn(outcome.text, hits);
    if (cited.length === 0) return outcome;
    return { ...outcome, keyboard: [...(outcome.keyboard ?? []), ...citationKeyboard(cited, request.locale ?? 'en')] };
  }
  return (runner) => ({
    run: async (request, onEvent) => decorate(request, await runner.run(request, onEvent)),
    resume: async (request, suspension, resolutions, onEvent) =>
      decorate(request, await runner.resume(request, suspension, resolutions, onEvent)),
  });
}

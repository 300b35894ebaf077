import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ConversationMemory } from '../core/memory.ts';
import { asksAboutLibrary, type LibraryIntent } from './library-intent.ts';
import { framePassages } from './passage-frame.ts';
import type { TurnHits } from './turn-hits.ts';
import { type KnowledgeBase, libraryScopeOf } from './types.ts';

/** Passages injected into a library question's context. */
const INJECTED = 4;

/**
 * Wraps the turn runner's memory: when a turn is clearly about the library (see `asksAboutLibrary`, or marked by the
 * Telegram side), its best passages join the system context, framed as untrusted data, and are remembered for the
 * answer's citation buttons. A failed search only logs: the turn goes on without them (the tool is still there).
 */
export function withLibraryContext(
  memory: ConversationMemory,
  deps: { kb: KnowledgeBase; intent: LibraryIntent; turnHits: TurnHits; log: Logger; limit?: number },
): ConversationMemory {
  return {
    async prepare(request) {
      const context = await memory.prepare(request);
      const marked = deps.intent.take(request.turnId);
      if (request.source === 'resume' || !(marked !== undefined || asksAboutLibrary(request.text))) return context;
      const query = marked?.trim() || request.text;
      try {
        const scope = libraryScopeOf(request.userId, request.chat);
        const hits = await deps.kb.search(scope, query, {
          limit: deps.limit ?? INJECTED,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        if (hits.length === 0) return context;
        deps.turnHits.add(request.turnId, hits);
        const section = `## From the user's library\n${framePassages(hits)}`;
        const systemContext = [context.systemContext, section].filter(Boolean).join('\n\n');
        // The passages are outside text: side-effect calls in this turn need an approval naming the documents.
        const documentsInContext = [...new Set([...(context.documentsInContext ?? []), ...hits.map((h) => h.title)])];
        return { ...context, systemContext, documentsInContext };
      } catch (err) {
        deps.log.warn({ err: toError(err), turnId: request.turnId }, 'library search for the turn failed');
        return context;
      }
    },
    commit: (request, context, outcome) => memory.commit(request, context, outcome),
    newThread: (chat) => memory.newThread(chat),
  };
}

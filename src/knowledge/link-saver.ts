import type { Preapproval } from '../agents/preapproval.ts';
import type { ToolContext } from '../agents/tool.ts';
import type { LinkFailure, LinkFetcher } from './link-fetch.ts';
import type { IngestOutcome, IngestProgress, KnowledgeBase, LibraryScope } from './types.ts';

/** What saving a link came to: the library's outcome, or why the page could not be fetched (nothing stored). */
export type SaveLinkOutcome = IngestOutcome | ({ status: 'fetch_failed' } & LinkFailure);

/** When the model asked for the save: redirects to other hosts must pass the approval gate without a person. */
export interface ModelAsked {
  preapproval: Preapproval;
  ctx: Pick<ToolContext, 'userId' | 'chat' | 'log' | 'agent'>;
}

/** Saves web pages and files behind links into a library: fetched through the net guard, then ingested. */
export interface LinkSaver {
  save(
    input: { scope: LibraryScope; userId: number; url: string },
    signal: AbortSignal,
    onProgress?: IngestProgress,
    asked?: ModelAsked,
  ): Promise<SaveLinkOutcome>;
}

/** Name of the tool whose approval rules a model-asked save follows (config/approvals.json). */
export const SAVE_TOOL = 'knowledge_save';

export function createLinkSaver(deps: { kb: KnowledgeBase; fetchLink: LinkFetcher }): LinkSaver {
  return {
    async save(input, signal, onProgress, asked) {
      const fetched = await deps.fetchLink(
        input.url,
        signal,
        asked ? { preapproval: asked.preapproval, tool: SAVE_TOOL, ctx: asked.ctx } : undefined,
      );
      if (!fetched.ok) {
        const { ok: _ok, ...failure } = fetched;
        return { status: 'fetch_failed', ...failure };
      }
      return deps.kb.ingest(
        {
          scope: input.scope,
          addedBy: input.userId,
          url: fetched.url,
          mimeType: fetched.mimeType,
          bytes: fetched.bytes,
        },
        onProgress,
        signal,
      );
    },
  };
}

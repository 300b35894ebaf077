import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';
import { type SkillDraft, deleteDraft, getDraft, putDraft } from './skill-store.ts';

export type { SkillDraft } from './skill-store.ts';

/** How long a guided `/skills new` (or edit) waits for the next answer. */
export const DRAFT_TTL_MS = 30 * 60_000;

/** The guided `/skills new` and edit in progress, one per person and chat, kept in the database (restart-safe). */
export function createSkillDrafts(deps: { store: Store; clock: Clock; ttlMs?: number }) {
  const { store, clock } = deps;
  const ttl = deps.ttlMs ?? DRAFT_TTL_MS;
  return {
    /** Opens (or moves on) the person's draft; it waits `ttlMs` for the next answer. */
    async put(draft: Omit<SkillDraft, 'expiresAt'>): Promise<void> {
      const now = clock.now();
      await putDraft(store, { ...draft, expiresAt: now + ttl }, now);
    },
    /** The person's draft in this chat: open, expired (then it is closed), or none. */
    async get(userId: number, chatId: number): Promise<{ draft: SkillDraft; expired: boolean } | undefined> {
      const draft = await getDraft(store, userId, chatId);
      if (!draft) return undefined;
      if (draft.expiresAt > clock.now()) return { draft, expired: false };
      await deleteDraft(store, userId, chatId);
      return { draft, expired: true };
    },
    /** Ends the person's draft; true when one was open. */
    close: (userId: number, chatId: number) => deleteDraft(store, userId, chatId),
  };
}

/** The drafts service (see {@link createSkillDrafts}). */
export type SkillDrafts = ReturnType<typeof createSkillDrafts>;

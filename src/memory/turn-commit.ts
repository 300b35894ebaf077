import type { Clock } from '../core/clock.ts';
import type { MemoryContext } from '../core/memory.ts';
import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Store, WriteTx } from '../store/db.ts';
import { saveLastUsed } from './last-used-store.ts';
import { insertMessage, insertVector, type MessageInsert, touchScope, touchThread } from './message-store.ts';
import { scopeOf } from './scope.ts';
import { recallCanHelp } from './recall-rule.ts';
import { estimateTokens } from './text.ts';
import type { QueryVectors } from './turn-context.ts';
import { replyText, stripInline, userText } from './turn-messages.ts';
import type { VectorCache } from '../vectors/vector-index.ts';
import { encodeVector } from '../vectors/vectors.ts';

/** What a commit leaves for background work. */
export interface Committed {
  scope: string;
  /** The user's message was stored without a vector and waits for the embedding backlog. */
  embedPending: boolean;
}

/** Stores a finished turn (user message, reply, what it used) in one transaction. */
export function createTurnCommit(deps: { store: Store; clock: Clock; cache: VectorCache; queryVectors: QueryVectors }) {
  const { store, clock, cache, queryVectors } = deps;

  /** Stores the user's message (with its query vector when there is one); returns its row id when inserted. */
  async function storeUserMessage(
    tx: WriteTx,
    row: Omit<MessageInsert, 'role' | 'text' | 'contents' | 'tokens' | 'embedState'>,
    text: string,
    vec: Float32Array | undefined,
  ): Promise<{ id: number | undefined; embedPending: boolean }> {
    // Text recall can't help is never embedded (2), here or by the backlog.
    const embedState = !recallCanHelp(text) ? 2 : vec ? 1 : 0;
    const id = await insertMessage(tx, {
      ...row,
      role: 'user',
      text,
      contents: null,
      tokens: estimateTokens(text),
      embedState,
    });
    if (id === undefined) return { id, embedPending: false };
    if (embedState === 1 && vec) await insertVector(tx, row.scope, id, encodeVector(vec));
    return { id, embedPending: embedState === 0 };
  }

  /** `ConversationMemory.commit`'s storage part. */
  return async function commit(request: TurnRequest, context: MemoryContext, outcome: TurnOutcome): Promise<Committed> {
    const scope = scopeOf(request.userId, request.chat);
    const now = clock.now();
    const text = userText(request);
    const vec = queryVectors.get(request.turnId);
    queryVectors.delete(request.turnId);
    const reply = replyText(outcome);
    const row = {
      threadId: context.threadId,
      chat: request.chat,
      userId: request.userId,
      userName: request.userName ?? null,
      scope,
      turnId: request.turnId,
      createdAt: now,
    };
    const user = await store.write(async (tx) => {
      await touchScope(tx, scope, request.userId, request.chat.chatId, now);
      const stored = text ? await storeUserMessage(tx, row, text, vec) : { id: undefined, embedPending: false };
      if (reply) {
        const contents = stripInline(outcome.contents);
        const tokens = estimateTokens(reply);
        await insertMessage(tx, {
          ...row,
          role: 'model',
          text: reply,
          contents,
          tokens,
          embedState: 2,
          createdAt: now + 1,
        });
      }
      await touchThread(tx, context.threadId, now);
      await saveLastUsed(tx, {
        chat: request.chat,
        userId: request.userId,
        turnId: request.turnId,
        factIds: context.used.factIds,
        messageIds: context.used.recalledMessageIds,
        ...(context.used.activity ? { activity: context.used.activity } : {}),
        now,
      });
      return stored;
    });
    if (user.id !== undefined && vec) cache.add(scope, user.id, encodeVector(vec));
    return { scope, embedPending: user.embedPending };
  };
}

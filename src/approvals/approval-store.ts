import type { Logger } from '../core/logger.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Row, Store, WriteTx } from '../store/db.ts';
import type { Actor } from './approvals-api.ts';
import { type NewRunEvent, appendRunEvents } from './events.ts';
import { insertGrant } from './grants.ts';
import { type ApprovalRecord, approvalInsert, toApprovalRecord } from './records.ts';

/** One sent copy of a prompt (a prompt re-sent by /pending has several). */
export interface PromptCopy {
  to: ChatRef;
  messageId: number;
}

/** How a click or an answer settles an approval. */
export interface Settlement {
  status: 'approved' | 'denied' | 'answered';
  answer?: string;
  always?: boolean;
}

/** SQL of the `approvals` and `approval_messages` tables; rows come back as typed records. */
export interface ApprovalStore {
  /** Inserts a round's rows and appends their events, inside the caller's transaction. */
  insertRound(tx: WriteTx, runId: string, chatId: number, now: number, round: Round): Promise<void>;
  load(id: string): Promise<ApprovalRecord | undefined>;
  copies(id: string): Promise<PromptCopy[]>;
  /** Remembers a sent prompt (the first one becomes the approval's prompt message). */
  recordCopy(id: string, to: ChatRef, messageId: number, now: number): Promise<void>;
  /** CAS: pending and not yet expired → the new status (+ grant and events). False when someone else was first. */
  settle(a: ApprovalRecord, actor: Actor, how: Settlement, now: number): Promise<boolean>;
  recordUnauthorized(a: ApprovalRecord, actor: Actor, now: number): Promise<void>;
  /** CAS pending → expired for a due approval; the expired record, or undefined when it was not due or not pending. */
  expire(id: string, now: number): Promise<ApprovalRecord | undefined>;
  dueIds(now: number): Promise<string[]>;
  /** Open approvals with no sent prompt, created at or before `createdBefore`. */
  unsent(now: number, createdBefore: number): Promise<ApprovalRecord[]>;
  /** Open requests in a chat: all of them, or only those `requestedBy` this user. */
  openIn(chatId: number, now: number, requestedBy: number | undefined): Promise<ApprovalRecord[]>;
  /** The user's oldest open question in this chat (and topic). */
  oldestQuestion(chat: ChatRef, userId: number, now: number): Promise<ApprovalRecord | undefined>;
  /** The earliest expiry among open approvals. */
  nextExpiry(): Promise<number | undefined>;
  isOwner(userId: number): Promise<boolean>;
}

/** Rows and their announcing events for one round. */
export interface Round {
  records: ApprovalRecord[];
  events: NewRunEvent[];
}

const optNum = (v: Row[string]): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** Creates the approvals' SQL module. */
export function createApprovalStore(store: Store, log: Logger): ApprovalStore {
  const load = async (id: string) => {
    const row = await store.get('SELECT * FROM approvals WHERE id = ?', [id]);
    return row ? toApprovalRecord(row) : undefined;
  };
  return {
    async insertRound(tx, runId, chatId, now, round) {
      for (const record of round.records) {
        const insert = approvalInsert(record);
        await tx.run(insert.sql, insert.args);
      }
      await appendRunEvents(tx, log, runId, chatId, now, round.events);
    },
    load,
    async copies(id) {
      const rows = await store.query(
        'SELECT chat_id, topic_id, message_id FROM approval_messages WHERE approval_id = ?',
        [id],
      );
      return rows.map((c) => {
        const topicId = optNum(c.topic_id);
        const to: ChatRef =
          topicId === undefined ? { chatId: Number(c.chat_id) } : { chatId: Number(c.chat_id), topicId };
        return { to, messageId: Number(c.message_id) };
      });
    },
    async recordCopy(id, to, messageId, now) {
      await store.write(async (tx) => {
        await tx.run(
          'INSERT OR IGNORE INTO approval_messages (approval_id, chat_id, topic_id, message_id, created_at) VALUES (?, ?, ?, ?, ?)',
          [id, to.chatId, to.topicId ?? null, messageId, now],
        );
        await tx.run('UPDATE approvals SET prompt_message_id = COALESCE(prompt_message_id, ?) WHERE id = ?', [
          messageId,
          id,
        ]);
      });
    },
    settle: (a, actor, how, now) => store.write((tx) => settleIn(tx, log, a, actor, how, now)),
    async recordUnauthorized(a, actor, now) {
      await store.write((tx) =>
        appendRunEvents(tx, log, a.runId, a.chat.chatId, now, [
          { type: 'unauthorized_click', data: { approvalId: a.id, userId: actor.id, name: actor.name } },
        ]),
      );
    },
    expire: (id, now) => store.write((tx) => expireIn(tx, log, id, now)),
    async dueIds(now) {
      const rows = await store.query(
        `SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT 200`,
        [now],
      );
      return rows.map((r) => String(r.id));
    },
    async unsent(now, createdBefore) {
      const rows = await store.query(
        `SELECT * FROM approvals a WHERE status = 'pending' AND expires_at > ? AND created_at <= ?
         AND NOT EXISTS (SELECT 1 FROM approval_messages m WHERE m.approval_id = a.id) LIMIT 50`,
        [now, createdBefore],
      );
      return rows.map(toApprovalRecord);
    },
    async openIn(chatId, now, requestedBy) {
      const rows = await store.query(
        `SELECT * FROM approvals WHERE chat_id = ? AND status = 'pending' AND expires_at > ? ${requestedBy === undefined ? '' : 'AND requested_by = ?'}
       ORDER BY created_at, id LIMIT 20`,
        requestedBy === undefined ? [chatId, now] : [chatId, now, requestedBy],
      );
      return rows.map(toApprovalRecord);
    },
    async oldestQuestion(chat, userId, now) {
      const row = await store.get(
        `SELECT * FROM approvals WHERE chat_id = ? AND topic_id IS ? AND requested_by = ? AND kind = 'question'
           AND status = 'pending' AND expires_at > ? ORDER BY created_at, id LIMIT 1`,
        [chat.chatId, chat.topicId ?? null, userId, now],
      );
      return row ? toApprovalRecord(row) : undefined;
    },
    async nextExpiry() {
      const row = await store.get(`SELECT MIN(expires_at) AS next FROM approvals WHERE status = 'pending'`);
      return optNum(row?.next);
    },
    async isOwner(userId) {
      const row = await store.get("SELECT 1 AS ok FROM users WHERE id = ? AND access = 'owner'", [userId]);
      return row !== undefined;
    },
  };
}

async function settleIn(
  tx: WriteTx,
  log: Logger,
  a: ApprovalRecord,
  actor: Actor,
  how: Settlement,
  now: number,
): Promise<boolean> {
  const r = await tx.run(
    `UPDATE approvals SET status = ?, answer = ?, always = ?, decided_by = ?, decided_by_name = ?, decided_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ?`,
    [how.status, how.answer ?? null, how.always ? 1 : 0, actor.id, actor.name, now, a.id, now],
  );
  if (r.changes !== 1) return false;
  const events: NewRunEvent[] = [decisionEvent(a, actor, how)];
  if (how.always && a.grantTarget !== undefined) {
    // Scoped to the requester, this tool and the target shown on the button; never to the whole chat.
    await insertGrant(tx, {
      userId: a.requestedBy,
      tool: a.tool,
      target: a.grantTarget,
      grantedBy: actor.id,
      chatId: a.chat.chatId,
      approvalId: a.id,
      at: now,
    });
    events.push({
      type: 'always_allow_granted',
      data: { approvalId: a.id, tool: a.tool, target: a.grantTarget, for: a.requestedBy, by: actor.id },
    });
  }
  await appendRunEvents(tx, log, a.runId, a.chat.chatId, now, events);
  return true;
}

function decisionEvent(a: ApprovalRecord, actor: Actor, how: Settlement): NewRunEvent {
  if (a.kind === 'question')
    return {
      type: 'question_answered',
      data: { approvalId: a.id, by: actor.id, name: actor.name, answer: (how.answer ?? '').slice(0, 300) },
    };
  return {
    type: 'approval_decided',
    data: {
      approvalId: a.id,
      tool: a.tool,
      decision: how.status,
      by: actor.id,
      name: actor.name,
      always: !!how.always,
    },
  };
}

async function expireIn(tx: WriteTx, log: Logger, id: string, now: number): Promise<ApprovalRecord | undefined> {
  const r = await tx.run(
    `UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at <= ?`,
    [now, id, now],
  );
  if (r.changes !== 1) return undefined;
  const row = (await tx.query('SELECT * FROM approvals WHERE id = ?', [id]))[0];
  if (!row) return undefined;
  const a = toApprovalRecord(row);
  await appendRunEvents(tx, log, a.runId, a.chat.chatId, now, [
    { type: 'approval_expired', data: { approvalId: a.id, tool: a.tool, kind: a.kind, fallback: a.fallback } },
  ]);
  return a;
}

/**
 * How long every table keeps its rows: one rule per table, as data. The pruner (pruner.ts) applies the rules that
 * have a `prune` step on a timer; the others describe rows that live until an event (the user deletes them, the job
 * is removed, the run settles). docs/operations.md shows the same table; a test checks every table has a rule.
 */

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** The pruning steps of prune-store.ts, by name. */
export type PruneStep =
  | 'finished_updates'
  | 'settled_runs'
  | 'orphan_run_events'
  | 'settled_attachment_refs'
  | 'unreferenced_attachments'
  | 'finished_job_runs'
  | 'completed_jobs'
  | 'outbox_deliveries'
  | 'llm_calls'
  | 'pending_confirmations'
  | 'access_notices'
  | 'access_prompts'
  | 'stale_instances'
  | 'finished_workflow_runs'
  | 'ended_tasks'
  | 'idle_send_budgets';

export interface RetentionRule {
  /** What is kept. */
  keeps: string;
  /** For how long, in words (the docs' column). */
  keepFor: string;
  /** Why this long. */
  why: string;
  /** The pruner deletes rows older than this (measured from the time named in `keepFor`). */
  maxAgeMs?: number;
  /** The step that applies `maxAgeMs`; absent when nothing in this table is pruned by age. */
  prune?: PruneStep;
}

/** Every table of the schema (src/store/migrations) and its rule. */
export const RETENTION_RULES: Readonly<Record<string, RetentionRule>> = {
  send_budget: {
    keeps:
      'each running instance’s share of the global send budget (its random id, a count, a lease time) and when each chat may get its next message (chat id, a time, the claim’s id; no text)',
    keepFor: '1 hour after the time it holds',
    why: 'instances on one remote database share Telegram’s send limits; an older row limits nothing',
    maxAgeMs: HOUR_MS,
    prune: 'idle_send_budgets',
  },
  updates: {
    keeps: 'each Telegram update as received (metadata only for strangers), its state and owner',
    keepFor: '7 days after it finished; unfinished rows until they finish',
    why: 'crash recovery and dedupe of redelivered updates; the Retry button re-reads the original message',
    maxAgeMs: 7 * DAY_MS,
    prune: 'finished_updates',
  },
  journal_instances: {
    keeps: 'running bot processes and their heartbeats',
    keepFor: 'while the process runs; a crashed one 1 day after its last heartbeat',
    why: 'lets a restarted process take over a dead one’s updates at once',
    maxAgeMs: DAY_MS,
    prune: 'stale_instances',
  },
  users: {
    keeps: 'access state, name, username, time zone, Telegram language, settings',
    keepFor: 'as long as the bot knows the user; /wipe clears name, time zone, language and settings (access stays)',
    why: 'who may use the bot, and how to talk to them',
  },
  chat_settings: {
    keeps: 'a group’s own settings: its time zone, who set it last, a pending “type the time zone” question',
    keepFor: 'as long as the group uses the bot; /wipe of the admin who set it removes their id',
    why: 'reminders set in a group use the group’s time zone',
  },
  chats: {
    keeps: 'nothing today (reserved)',
    keepFor: '—',
    why: 'not written by this version',
  },
  access_notices: {
    keeps: 'when a stranger was last told the bot is private (user id, chat id, time)',
    keepFor: '30 days after the last notice',
    why: 'rate limit of one notice a day per chat; older rows limit nothing',
    maxAgeMs: 30 * DAY_MS,
    prune: 'access_notices',
  },
  access_prompts: {
    keeps: 'ids of the Approve/Deny messages sent to the owner for an access request (no text)',
    keepFor: 'until the request is decided; 2 days at most',
    why: 'a decision made elsewhere removes the buttons of every copy; a request expires after 24 hours',
    maxAgeMs: 2 * DAY_MS,
    prune: 'access_prompts',
  },
  owner_pairing: {
    keeps: 'the SHA-256 hash of the one-time pairing code (never the code)',
    keepFor: 'until it is used, or replaced at the next start',
    why: 'claims an unowned bot once',
  },
  memory_threads: {
    keeps: 'conversation threads and their summaries',
    keepFor: 'until /wipe (group threads: the summary is cleared when a member wipes)',
    why: 'the assistant’s memory is the product; the user deletes it',
  },
  memory_active_threads: {
    keeps: 'the current thread of each chat',
    keepFor: 'until /new or /wipe',
    why: 'one row per chat',
  },
  memory_messages: {
    keeps: 'the user’s messages and the answers (text only, no file bytes)',
    keepFor: 'until /wipe',
    why: 'history and recall; the user deletes it',
  },
  memory_vectors: {
    keeps: 'int8 embeddings of messages',
    keepFor: 'with their message',
    why: 'recall',
  },
  memory_facts: {
    keeps: 'facts about the user',
    keepFor:
      'until /forget or /wipe (a forgotten fact is hidden at once and deleted after its 5-minute Undo window); unconfirmed extracted facts fade and are dropped',
    why: 'personalisation the user controls with /memory',
  },
  memory_tombstones: {
    keeps: 'facts the user asked to forget',
    keepFor: 'until /wipe',
    why: 'so a forgotten fact is not learned again',
  },
  memory_scopes: {
    keeps: 'per-scope extraction watermarks',
    keepFor: 'until /wipe',
    why: 'bookkeeping of fact extraction',
  },
  memory_fact_versions: {
    keeps: 'a counter per scope (no content)',
    keepFor: 'forever',
    why: 'a restarted counter could match a stale fact cache in another process',
  },
  memory_last_used: {
    keeps:
      'ids of the facts and messages the last answer in a chat used; the tools it ran (name and host, no arguments) and the files and web sites it used',
    keepFor: 'replaced by the next answer; until /wipe',
    why: '/why',
  },
  memory_pending_actions: {
    keeps: 'confirmations waiting for a button (/wipe) and the fact ids behind a /forget Undo button',
    keepFor: '1 hour',
    why: 'a confirmation older than an hour is refused anyway',
    maxAgeMs: HOUR_MS,
    prune: 'pending_confirmations',
  },
  jobs: {
    keeps: 'schedules (reminder text or prompt), the id of the message showing each one’s card',
    keepFor:
      'until deleted (a deleted one is stopped at once and purged after its 5-minute Undo window) or /wipe; one-time jobs 30 days after they completed',
    why: 'the user’s schedules; a finished reminder’s Snooze buttons work for a while',
    maxAgeMs: 30 * DAY_MS,
    prune: 'completed_jobs',
  },
  job_runs: {
    keeps: 'each occurrence’s claim and outcome',
    keepFor: '30 days; running or retrying ones until they finish',
    why: 'no occurrence fires twice (the claim); recent outcomes for troubleshooting',
    maxAgeMs: 30 * DAY_MS,
    prune: 'finished_job_runs',
  },
  workflow_runs: {
    keeps: 'each workflow run: workflow, who started it, chat, parameters, definition snapshot, status, lease',
    keepFor: 'while running or waiting; 30 days after it finished; until /wipe',
    why: 'resume after a crash or a decision; a retried trigger finds its run instead of starting another',
    maxAgeMs: 30 * DAY_MS,
    prune: 'finished_workflow_runs',
  },
  workflow_events: {
    keeps: 'the event log of a run (step started/completed with its output, decisions), strictly numbered',
    keepFor: 'with their run',
    why: 'completed steps are never run again: their outputs come from the log',
  },
  workflow_decisions: {
    keeps: 'a step waiting for Approve/Deny: tool, summary, prompt message id, decision',
    keepFor: 'with their run',
    why: 'the decision the run resumes with; first press wins',
  },
  approval_runs: {
    keeps: 'suspended turns (the request and the agent state) waiting for a person',
    keepFor: 'while waiting; 7 days after the run settled',
    why: 'resume after the decision; a short audit window for /why',
    maxAgeMs: 7 * DAY_MS,
    prune: 'settled_runs',
  },
  approvals: {
    keeps: 'each pending call: tool, arguments, question, decision',
    keepFor: 'with their run',
    why: 'the decision the run resumes with',
  },
  approval_messages: {
    keeps: 'ids of the prompt messages sent for an approval',
    keepFor: 'with their approval',
    why: 'to close every copy of a prompt',
  },
  approval_grants: {
    keeps: '“always allow” grants: one user, one tool, one target (host)',
    keepFor: 'until revoked in /permissions, or the user’s /wipe',
    why: 'the user’s standing decision',
  },
  run_events: {
    keeps: 'the audit trail of a suspended run',
    keepFor: 'with their run; leftovers 7 days',
    why: '/why shows the latest paused task’s trail',
    maxAgeMs: 7 * DAY_MS,
    prune: 'orphan_run_events',
  },
  attachments: {
    keeps: 'the bytes of a file a waiting run needs, once per content hash',
    keepFor: 'while a waiting run references it; deleted at the next pruning after that',
    why: 'a resumed run sends the file to the model again',
    maxAgeMs: 0,
    prune: 'unreferenced_attachments',
  },
  attachment_refs: {
    keeps: 'which run needs which file',
    keepFor: 'while the run waits',
    why: 'bytes are deleted once nothing refers to them',
    maxAgeMs: 0,
    prune: 'settled_attachment_refs',
  },
  outbox_deliveries: {
    keeps: 'delivery receipts: chat id, message ids, dedupe key (no text)',
    keepFor: '30 days',
    why: 'a replayed or resumed turn never posts its answer twice; longer than any approval wait and the journal',
    maxAgeMs: 30 * DAY_MS,
    prune: 'outbox_deliveries',
  },
  llm_calls: {
    keeps:
      'model, tokens (cached ones too), cost, latency and error of each model call, with the user, agent and kind of work it was for (no prompts, no text)',
    keepFor: '90 days; /wipe deletes the user’s rows',
    why: 'usage and cost reporting (/usage), budgets',
    maxAgeMs: 90 * DAY_MS,
    prune: 'llm_calls',
  },
  knowledge_documents: {
    keeps: 'each library document: title, file name or link, type, size, pages, chunk count, content hash, status',
    keepFor:
      'until the user deletes it in /docs, or /wipe (the user’s own library and the documents they added to a group)',
    why: 'the library is the product; the user deletes it',
  },
  knowledge_chunks: {
    keeps: 'the document’s text in passages (page, heading) and an int8 embedding of each',
    keepFor: 'with their document',
    why: 'search and citations',
  },
  knowledge_fts: {
    keeps: 'the keyword index of the passages (FTS5, contentless: terms and positions, no copy of the text)',
    keepFor: 'with their passages',
    why: 'exact names and numbers are found by keyword',
  },
  knowledge_fts_data: {
    keeps: 'FTS5’s index pages of `knowledge_fts`',
    keepFor: 'with their passages (a /wipe rewrites the index so deleted terms leave it)',
    why: 'part of the keyword index',
  },
  knowledge_fts_idx: {
    keeps: 'FTS5’s segment directory of `knowledge_fts`',
    keepFor: 'with the index',
    why: 'part of the keyword index',
  },
  knowledge_fts_docsize: {
    keeps: 'FTS5’s token count per passage',
    keepFor: 'with their passages',
    why: 'keyword ranking (bm25)',
  },
  knowledge_fts_config: {
    keeps: 'FTS5’s settings of `knowledge_fts`',
    keepFor: 'forever',
    why: 'part of the keyword index',
  },
  user_secrets: {
    keeps:
      'a user’s /connect secrets: name, dates, AES-256-GCM ciphertext with its salt, nonce and key version (never the value in clear)',
    keepFor: 'until deleted in /connections, or the user’s /wipe',
    why: 'tools and integrations use the user’s token for a service at call time',
  },
  secret_prompts: {
    keeps: 'an open /connect request: user, chat, name, state, message ids (never the value)',
    keepFor: 'until answered, cancelled or expired (10 minutes); leftovers 1 day after expiry; /wipe',
    why: 'the next message of that user is the value and must be kept out of every record',
  },
  secret_keys: {
    keeps: 'one check value per SECRETS_KEY version (derived one-way, never the key)',
    keepFor: 'forever',
    why: 'tells a wrong or old SECRETS_KEY from a damaged row; the rotation command adds a version',
  },
  usage_budgets: {
    keeps: 'the owner’s daily and monthly limits for a user, and which budget warnings were sent in which period',
    keepFor: 'as long as the bot knows the user; /wipe deletes it',
    why: 'per-user budgets; each warning once per period, also after a restart',
  },
  tasks: {
    keeps:
      'background tasks: title, the task as the router wrote it, status, tries, the claim of the instance running it; the result only until it is posted',
    keepFor: '30 days after it ended (or last changed, when it waits for an approval); open ones until they end; /wipe',
    why: 'a task survives a restart (resumed or failed with a message); /tasks shows recent ones',
    maxAgeMs: 30 * DAY_MS,
    prune: 'ended_tasks',
  },
  skills: {
    keeps:
      'a user’s skills per chat: name, description, steps, the agent and tools it names, an int8 embedding of the description',
    keepFor: 'until deleted in /skills, or the user’s /wipe',
    why: 'skills are the user’s own procedures, run by name, by meaning or by a scheduled job',
  },
  skill_drafts: {
    keeps: 'an open guided /skills new or edit: user, chat, step, the name and description typed so far',
    keepFor:
      'until saved or cancelled (/skills cancel); an expired one (30 minutes) at the user’s next message there; /wipe',
    why: 'the user’s next message in that chat answers the draft’s question',
  },
  schema_migrations: {
    keeps: 'applied schema versions',
    keepFor: 'forever',
    why: 'migrations run once',
  },
};

/** The rules the pruner applies, in order (runs before their refs and events, refs before bytes). */
export function pruningRules(): { table: string; step: PruneStep; maxAgeMs: number }[] {
  const order: PruneStep[] = [
    'finished_updates',
    'settled_runs',
    'orphan_run_events',
    'settled_attachment_refs',
    'unreferenced_attachments',
    'finished_job_runs',
    'completed_jobs',
    'outbox_deliveries',
    'llm_calls',
    'pending_confirmations',
    'access_notices',
    'access_prompts',
    'stale_instances',
    'finished_workflow_runs',
    'ended_tasks',
    'idle_send_budgets',
  ];
  const out: { table: string; step: PruneStep; maxAgeMs: number }[] = [];
  for (const step of order) {
    for (const [table, rule] of Object.entries(RETENTION_RULES)) {
      if (rule.prune === step) out.push({ table, step, maxAgeMs: rule.maxAgeMs ?? 0 });
    }
  }
  return out;
}

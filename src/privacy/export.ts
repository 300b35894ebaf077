import { z } from 'zod';
import type { KnowledgeExportEntry } from '../knowledge/knowledge.ts';
import type { UserExport } from '../memory/memory.ts';
import type { Row } from '../store/db.ts';
import type { SkillExport } from '../skills/skill-privacy.ts';
import type { UsageExport } from '../usage/usage-privacy.ts';
import type { UserRows } from './privacy-store.ts';

/**
 * Everything stored about a user, for /export: memory (facts, messages, threads, forgotten facts) plus the profile,
 * schedules, paused requests with their decisions and audit trail, "always allow" grants, and the raw updates
 * of the intake journal. Not included: the agent state of paused requests (it holds prompts and other chat
 * members' messages), file bytes (listed by size), and nothing secret: the user's /connect secrets appear as names
 * and dates only; the bot's own tokens and keys live in the environment.
 */
export interface PrivacyExport extends UserExport {
  profile: Record<string, unknown> | null;
  schedules: Record<string, unknown>[];
  requests: Record<string, unknown>[];
  grants: Record<string, unknown>[];
  journal: Record<string, unknown>[];
  /** Group settings the user set last (a group's time zone). */
  groupSettings: Record<string, unknown>[];
  /** The user's library and the documents they added to groups: metadata and text, passage by passage. */
  documents: Record<string, unknown>[];
  /** Services the user connected with /connect: names and dates, never the values. */
  connections: Record<string, unknown>[];
  /** Their recorded model calls (tokens, cost; no text) and their budget limits. */
  usage: UsageExport;
  /** Their workflow runs: parameters, status and event log (step outputs included). */
  workflows?: Record<string, unknown>[];
  /** Their background tasks (/tasks): what they asked, status and dates. */
  tasks: Record<string, unknown>[];
  /** Skills the user saved (/skills): names, descriptions and steps, per chat. */
  skills: SkillExport[];
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(Number(v)).toISOString());
const num = (v: unknown): number | null => (v == null ? null : Number(v));

function json(text: unknown): unknown {
  if (text == null) return null;
  try {
    return JSON.parse(String(text)) as unknown;
  } catch {
    return String(text);
  }
}

const storedRequest = z.looseObject({
  text: z.string().catch(''),
  attachments: z.array(z.looseObject({ mimeType: z.string().catch(''), name: z.string().optional() })).catch([]),
});

/** The journal payload without quoted messages (they may be someone else's words). */
function ownUpdate(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const out: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  for (const key of ['message', 'edited_message']) {
    const m = out[key];
    if (typeof m === 'object' && m !== null) {
      const { reply_to_message: _r, external_reply: _e, quote: _q, ...rest } = m as Record<string, unknown>;
      out[key] = rest;
    }
  }
  return out;
}

function request(run: Row, rows: UserRows, sizes: Map<string, number[]>): Record<string, unknown> {
  const id = String(run.id);
  const parsed = storedRequest.safeParse(json(run.request));
  const files = sizes.get(id) ?? [];
  return {
    id,
    chatId: num(run.chat_id),
    topicId: num(run.topic_id),
    origin: run.origin,
    status: run.status,
    outcome: run.outcome_status ?? null,
    error: run.error ?? null,
    text: parsed.success ? parsed.data.text : null,
    files: parsed.success ? parsed.data.attachments.map((a) => ({ name: a.name ?? null, mimeType: a.mimeType })) : [],
    fileBytesKept: files.reduce((n, b) => n + b, 0),
    createdAt: iso(run.created_at),
    updatedAt: iso(run.updated_at),
    calls: rows.approvals
      .filter((a) => a.run_id === id)
      .map((a) => ({
        id: a.id,
        round: num(a.round),
        kind: a.kind,
        agent: a.agent,
        tool: a.tool,
        args: json(a.args),
        question: a.question ?? null,
        options: json(a.options),
        summary: a.summary,
        reason: a.reason ?? null,
        status: a.status,
        answer: a.answer ?? null,
        alwaysAllow: Number(a.always) === 1,
        expiresAt: iso(a.expires_at),
        decidedBy: num(a.decided_by),
        decidedAt: iso(a.decided_at),
        createdAt: iso(a.created_at),
      })),
    events: rows.events
      .filter((e) => e.run_id === id)
      .map((e) => ({ seq: num(e.seq), type: e.type, data: json(e.data), at: iso(e.at) })),
  };
}

/** One document of the export: metadata and text (passage by passage). */
function documentEntry(d: KnowledgeExportEntry): Record<string, unknown> {
  return {
    id: d.id,
    library: d.scope,
    title: d.title,
    fileName: d.fileName ?? null,
    url: d.url ?? null,
    mimeType: d.mimeType,
    bytes: d.bytes,
    pages: d.pages ?? null,
    status: d.status,
    error: d.error ?? null,
    addedAt: iso(d.createdAt),
    passages: d.passages,
  };
}

/** One schedule with its recent runs. */
function schedule(j: Row, rows: UserRows): Record<string, unknown> {
  return {
    id: j.id,
    chatId: num(j.chat_id),
    topicId: num(j.topic_id),
    kind: j.kind,
    text: j.text,
    schedule: json(j.schedule),
    timezone: j.timezone,
    enabled: Number(j.enabled) === 1,
    nextRunAt: iso(j.next_run_at),
    lastRunAt: iso(j.last_run_at),
    lastStatus: j.last_status ?? null,
    lastError: j.last_error ?? null,
    pausedReason: j.paused_reason ?? null,
    completedAt: iso(j.completed_at),
    deletedAt: iso(j.deleted_at),
    createdAt: iso(j.created_at),
    runs: rows.jobRuns
      .filter((r) => r.job_id === j.id)
      .map((r) => ({
        scheduledFor: iso(r.scheduled_for),
        trigger: r.trigger,
        status: r.status,
        attempts: num(r.attempts),
        startedAt: iso(r.started_at),
        finishedAt: iso(r.finished_at),
        error: r.error ?? null,
      })),
  };
}

/** Shapes the rows into the export document. */
export function buildExport(
  memory: UserExport,
  rows: UserRows,
  documents: readonly KnowledgeExportEntry[] = [],
): PrivacyExport {
  const p = rows.profile;
  const sizes = new Map<string, number[]>();
  for (const f of rows.files) {
    const list = sizes.get(String(f.run_id)) ?? [];
    list.push(Number(f.bytes));
    sizes.set(String(f.run_id), list);
  }
  return {
    ...memory,
    profile: p
      ? {
          firstName: p.first_name ?? null,
          username: p.username ?? null,
          timezone: p.timezone ?? null,
          access: p.access,
          settings: json(p.settings),
          firstSeenAt: iso(p.created_at),
          updatedAt: iso(p.updated_at),
        }
      : null,
    schedules: rows.jobs.map((j) => schedule(j, rows)),
    requests: rows.runs.map((r) => request(r, rows, sizes)),
    grants: rows.grants.map((g) => ({
      tool: g.tool,
      target: g.target,
      chatId: num(g.chat_id),
      grantedAt: iso(g.created_at),
    })),
    groupSettings: rows.groupSettings.map((g) => ({
      chatId: num(g.chat_id),
      timezone: g.timezone ?? null,
      setAt: iso(g.updated_at),
    })),
    documents: documents.map(documentEntry),
    connections: rows.connections.map((c) => ({
      name: c.name,
      addedAt: iso(c.created_at),
      changedAt: iso(c.updated_at),
    })),
    usage: rows.usage,
    tasks: rows.tasks,
    skills: rows.skills,
    journal: rows.updates.map((u) => ({
      updateId: num(u.update_id),
      kind: u.kind,
      state: u.state,
      receivedAt: iso(u.created_at),
      update: ownUpdate(json(u.payload)),
    })),
  };
}

import { toError } from '../core/errors.ts';
import { undoData } from '../core/keys/callback-data.ts';
import { jobCardKey } from '../core/keys/dedupe-keys.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Keyboard, OutMessage, Outbox } from '../core/outbox.ts';
import type { ResumableTurnRunner, TurnEvent, TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Clock } from '../core/clock.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Job } from './job.ts';
import { cardKeyboard, createdSummary, deletedText, escapeMarkdown } from './messages.ts';
import { nextRuns } from './schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { schedulerTexts } from './scheduler-texts.ts';

/** Callback data of the Undo button under a job deleted in a turn whose answer is only that: `u:js:<token>`. */
export const UNDO_SOLO = 'js';
/** Undo under a deletion inside other text: only the button goes after Undo (`u:jk:<token>`). */
export const UNDO_INLINE = 'jk';

type Effect =
  | { type: 'created'; jobId: string; notes: string[] }
  | { type: 'deleted'; jobId: string; token: string; job: Job };

/** Tools that only look at or change schedules: a turn that used nothing else has said all it did in its cards. */
const SCHEDULING_TOOLS = new Set([
  'schedule_create',
  'schedule_list',
  'schedule_update',
  'schedule_delete',
  'current_time',
]);

/**
 * What a turn did to schedules, shown as ONE message: the turn's answer. While a turn runs through the wrapped
 * runner, `schedule_create` and `schedule_delete` record their effect here instead of posting a card of their own;
 * when the turn ends, its answer becomes the cards ("⏰ Reminder set for …" with "Cancel reminder", or "🗑 Deleted …"
 * with "↩️ Undo"). The model's own words are kept above the cards only when the turn also did something else
 * (another tool ran): a turn that only scheduled has nothing to add but a restatement.
 *
 * Deterministic, and the same for every path that delivers a turn's answer (a chat reply, an approved and resumed
 * run, a scheduled task), because it sits in the turn runner that all of them use. A run that ends without an answer
 * to attach to (suspended for another approval, failed) posts its cards at once instead.
 */
export interface TurnAnswers {
  /** True when the turn `turnId` runs through the wrapper: its answer will show what the tool did. */
  claims(turnId: string): boolean;
  /** `notes`: what the resolver said about the time (e.g. a DST gap), shown on the card. */
  created(turnId: string, jobId: string, notes: string[]): void;
  deleted(turnId: string, job: Job, token: string): void;
  /** Posts a deletion with its Undo button now (a tool running outside a wrapped turn). */
  postDeleted(job: Job, token: string): Promise<void>;
  /** Wraps a turn runner so every turn it runs answers with its schedule cards. */
  wrap(runner: ResumableTurnRunner): ResumableTurnRunner;
}

export function createTurnAnswers(deps: {
  scheduler: Scheduler;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** The language of a user's texts, for cards posted outside a turn (default English). */
  localeOf?: (userId: number) => Promise<Locale>;
}): TurnAnswers {
  const { scheduler, outbox, clock, log } = deps;
  const open = new Map<string, Effect[]>();
  const refOf = (job: Job): ChatRef => ({
    chatId: job.chatId,
    ...(job.topicId !== undefined ? { topicId: job.topicId } : {}),
  });

  function cardText(job: Job, now: number, notes: string[], locale: Locale): string {
    const runs = job.schedule.type === 'once' ? [job.schedule.at] : nextRuns(job.schedule, now, 3);
    return createdSummary(job, runs, notes, now, locale);
  }

  /** The answer's text and buttons for the effects (plain text; escaped by the caller when it joins Markdown). */
  async function render(
    effects: Effect[],
    solo: boolean,
    locale: Locale,
  ): Promise<{ lines: string[]; keyboard: Keyboard }> {
    const now = clock.now();
    const t = schedulerTexts(locale);
    const lines: string[] = [];
    const created: Job[] = [];
    const keyboard: Keyboard = [];
    const seen = new Set<string>();
    for (const e of effects) {
      if (seen.has(`${e.type}:${e.jobId}`)) continue;
      seen.add(`${e.type}:${e.jobId}`);
      if (e.type === 'created') {
        const job = await scheduler.get(e.jobId);
        if (!job || job.deletedAt !== null) continue;
        lines.push(cardText(job, now, e.notes, locale));
        created.push(job);
      }
    }
    const deleted = effects.filter((e): e is Extract<Effect, { type: 'deleted' }> => e.type === 'deleted');
    const cards = cardKeyboard(created, solo && deleted.length === 0, locale);
    keyboard.push(...cards);
    for (const d of deleted) {
      lines.push(deletedText(d.job, now, locale));
      const kind = solo && deleted.length === 1 && created.length === 0 ? UNDO_SOLO : UNDO_INLINE;
      keyboard.push([
        {
          text: deleted.length > 1 ? t.undoNamed({ title: d.job.text.slice(0, 20) }) : t.undo,
          data: undoData.encode({ kind, token: d.token }),
        },
      ]);
    }
    return { lines, keyboard };
  }

  /** Sends the effects as their own message (no answer to attach them to). */
  async function post(chat: ChatRef, effects: Effect[], locale: Locale): Promise<void> {
    const { lines, keyboard } = await render(effects, true, locale);
    if (lines.length === 0) return;
    const ids = effects.map((e) => (e.type === 'created' ? e.jobId : e.token));
    const message: OutMessage = {
      text: lines.join('\n\n'),
      format: 'plain',
      ...(keyboard.length > 0 ? { keyboard } : {}),
      // A replayed turn (restart) must not post the same confirmation twice.
      dedupeKey: jobCardKey.encode({
        kind: effects.length === 1 && effects[0]!.type === 'created' ? 'card' : 'effects',
        ids,
      }),
    };
    const d = await outbox.send(chat, message);
    if (!d.ok) log.warn({ reason: d.reason }, 'could not post the schedule confirmation');
  }

  async function answer(
    request: TurnRequest,
    outcome: TurnOutcome,
    effects: Effect[],
    tools: Set<string>,
  ): Promise<TurnOutcome> {
    if (effects.length === 0) return outcome;
    if (outcome.status !== 'done' && outcome.status !== 'limit' && outcome.status !== 'stopped') {
      await post(request.chat, effects, request.locale ?? 'en').catch((err) =>
        log.warn({ err: toError(err) }, 'could not post the schedule confirmation'),
      );
      return outcome;
    }
    const onlyScheduling = [...tools].every((t) => SCHEDULING_TOOLS.has(t) || t.startsWith('agent_'));
    const own = onlyScheduling ? '' : outcome.text.trim();
    const { lines, keyboard } = await render(effects, own === '', request.locale ?? 'en');
    if (lines.length === 0) return outcome;
    const cards = lines.map(escapeMarkdown).join('\n\n');
    return {
      ...outcome,
      text: own ? `${own}\n\n${cards}` : cards,
      keyboard: [...keyboard, ...(outcome.keyboard ?? [])],
    };
  }

  async function around(
    request: TurnRequest,
    onEvent: ((e: TurnEvent) => void) | undefined,
    run: (onEvent: (e: TurnEvent) => void) => Promise<TurnOutcome>,
  ) {
    if (open.has(request.turnId)) return run((e) => onEvent?.(e));
    const effects: Effect[] = [];
    const tools = new Set<string>();
    open.set(request.turnId, effects);
    let outcome: TurnOutcome;
    try {
      outcome = await run((e) => {
        if (e.type === 'tool-start') tools.add(e.tool);
        onEvent?.(e);
      });
    } catch (err) {
      open.delete(request.turnId);
      await post(request.chat, effects, request.locale ?? 'en').catch((e2) =>
        log.warn({ err: toError(e2) }, 'could not post the schedule confirmation'),
      );
      throw err;
    }
    open.delete(request.turnId);
    return answer(request, outcome, effects, tools);
  }

  return {
    claims: (turnId) => open.has(turnId),
    created(turnId, jobId, notes) {
      open.get(turnId)?.push({ type: 'created', jobId, notes });
    },
    deleted(turnId, job, token) {
      open.get(turnId)?.push({ type: 'deleted', jobId: job.id, token, job });
    },
    async postDeleted(job, token) {
      const locale = (await deps.localeOf?.(job.ownerUserId).catch(() => undefined)) ?? 'en';
      await post(refOf(job), [{ type: 'deleted', jobId: job.id, token, job }], locale);
    },
    wrap(runner) {
      return {
        run: (request, onEvent) => around(request, onEvent, (ev) => runner.run(request, ev)),
        resume: (request, suspension, resolutions, onEvent) =>
          around(request, onEvent, (ev) => runner.resume(request, suspension, resolutions, ev)),
      };
    },
  };
}

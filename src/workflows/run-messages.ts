import { approvalTexts } from '../approvals/approval-texts.ts';
import { taintLine } from '../approvals/taint-line.ts';
import type { TaintSource } from '../agents/tool.ts';
import type { OutMessage, Outbox } from '../core/outbox.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import { workflowData, workflowMessageKey } from './callback-data.ts';
import { type Decision, setDecisionMessage } from './decision-store.ts';
import type { DecisionTerms, ExecutorDeps } from './pass.ts';
import type { ParamProblem } from './params.ts';
import { type RunRow, getRun } from './run-store.ts';
import type { StepFailure } from './step-errors.ts';
import { workflowTexts } from './workflow-texts.ts';

/** The language of a run's messages (the starter's, stored with the run). */
export const localeOfRun = (run: RunRow): Locale => (run.locale === 'ru' ? 'ru' : 'en');
const chatOf = (run: RunRow) => ({
  chatId: run.chatId,
  ...(run.topicId !== undefined ? { topicId: run.topicId } : {}),
});

/** The reason a step stopped the run, in the user's words. */
export function failureText(reason: StepFailure | 'broken', locale: Locale): string {
  const t = workflowTexts(locale);
  if (reason === 'broken') return t.broken;
  switch (reason.kind) {
    case 'denied':
      return t.denied({ tool: reason.tool });
    case 'refused':
      return t.refused({ tool: reason.tool, reason: reason.reason });
    case 'interrupted':
      return t.interrupted({ tool: reason.tool });
    case 'tool_error':
      return t.toolError({ tool: reason.tool, message: reason.message });
    case 'bad_args':
      return t.badArgs({ tool: reason.tool, message: reason.message });
    case 'unknown_tool':
      return t.unknownTool({ tool: reason.tool });
    case 'model_error':
      return t.modelError({ agent: reason.agent });
    case 'too_many_items':
      return t.tooMany({ max: reason.max });
    case 'post_failed':
      return t.postFailed;
  }
}

/** Words for parameter problems (English: the model and the scheduler read them). */
export function describeProblems(problems: ParamProblem[]): string {
  const one = (p: ParamProblem) => {
    if (p.kind === 'unknown') return `unknown parameter "${p.name}"`;
    if (p.kind === 'missing') return `parameter "${p.name}" is required`;
    if (p.kind === 'not_number') return `parameter "${p.name}" must be a number`;
    return `parameter "${p.name}" takes at most ${p.max} items`;
  };
  return problems.map(one).join('; ');
}

function promptOf(run: RunRow, decision: Decision, terms: DecisionTerms): OutMessage {
  const locale = localeOfRun(run);
  const t = workflowTexts(locale);
  const at = approvalTexts(locale);
  const lines = [t.askTitle({ workflow: run.workflow, tool: decision.tool })];
  if (terms.summary) lines.push('', terms.summary);
  if (terms.taintSources?.length) lines.push('', taintLine(terms.taintSources as TaintSource[], at));
  if (terms.reason) lines.push('', t.askWhy({ reason: terms.reason }));
  lines.push('', t.askFooter);
  const press = { action: 'decide' as const, runId: run.id, seq: decision.seq };
  return {
    text: lines.join('\n'),
    format: 'plain',
    dedupeKey: workflowMessageKey.encode({ runId: run.id, kind: 'ask', seq: decision.seq }),
    keyboard: [
      [
        { text: terms.confirm?.yes ?? at.approve, data: workflowData.encode({ ...press, approve: true }) },
        { text: terms.confirm?.no ?? at.deny, data: workflowData.encode({ ...press, approve: false }) },
      ],
    ],
  };
}

/** Every message a run posts: its result (once), a decision's prompt, the prompt closed, the notice that it stopped. */
export function createRunMessages(store: Store, outbox: Outbox) {
  return {
    async post(run: RunRow, text: string): ReturnType<ExecutorDeps['post']> {
      const dedupeKey = workflowMessageKey.encode({ runId: run.id, kind: 'post' });
      const sent = await outbox.send(chatOf(run), { text, format: 'markdown', dedupeKey });
      return sent.ok ? { ok: true, messageId: sent.messageIds[0] ?? 0 } : { ok: false, message: sent.message };
    },
    async ask(run: RunRow, decision: Decision, terms: DecisionTerms): Promise<void> {
      const sent = await outbox.send(chatOf(run), promptOf(run, decision, terms));
      if (sent.ok && sent.messageIds[0] !== undefined)
        await setDecisionMessage(store, run.id, decision.seq, sent.messageIds[0]);
    },
    async stopped(run: RunRow, reason: StepFailure | 'broken'): Promise<number | undefined> {
      const locale = localeOfRun(run);
      const sent = await outbox.send(chatOf(run), {
        text: workflowTexts(locale).stopped({ workflow: run.workflow, reason: failureText(reason, locale) }),
        format: 'plain',
        dedupeKey: workflowMessageKey.encode({ runId: run.id, kind: 'stop' }),
      });
      return sent.ok ? sent.messageIds[0] : undefined;
    },
    /** Takes the buttons off a decided prompt and says how it was decided. */
    async closePrompt(d: Decision, line: (locale: Locale) => string): Promise<void> {
      if (d.messageId === undefined) return;
      const run = await getRun(store, d.runId);
      if (!run) return;
      const title = workflowTexts(localeOfRun(run)).askTitle({ workflow: run.workflow, tool: d.tool });
      const text = `${title}\n\n${d.summary}\n\n${line(localeOfRun(run))}`.replace(/\n\n\n+/g, '\n\n');
      await outbox.edit(chatOf(run), d.messageId, { text, format: 'plain' });
    },
  };
}

/** The run's messages (see createRunMessages). */
export type RunMessages = ReturnType<typeof createRunMessages>;

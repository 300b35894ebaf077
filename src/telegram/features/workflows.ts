import { Composer } from 'grammy';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import { updateTurnId } from '../../core/keys/dedupe-keys.ts';
import type { Locale } from '../../i18n/locale.ts';
import { workflowData } from '../../workflows/callback-data.ts';
import { paramsToAsk, parseParamWords } from '../../workflows/params.ts';
import { type Workflows, describeProblems } from '../../workflows/service.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { actingLocale } from './acting-locale.ts';
import { workflowsTexts } from './workflows-texts.ts';

export const workflowsCommands = [{ command: 'workflows', description: 'Run a saved workflow (fixed procedure)' }];

export interface WorkflowsFeatureDeps {
  workflows: Workflows;
  outbox: Outbox;
  localeOf: (userId: number) => Promise<Locale>;
  timezoneOf: (userId: number) => Promise<string>;
}

/** The /workflows message: each workflow with its description and a Run button. */
export function renderWorkflows(workflows: Workflows, locale: Locale): OutMessage {
  const t = workflowsTexts(locale);
  const list = workflows.list();
  if (list.length === 0) return { text: t.none, format: 'plain' };
  const lines = [t.header, ''];
  const keyboard: Keyboard = [];
  for (const wf of list) {
    const ask = paramsToAsk(wf);
    const description = locale === 'ru' && wf.descriptionRu ? wf.descriptionRu : wf.description;
    lines.push(`• ${wf.name}: ${description}${ask.length > 0 ? ` (${t.needs({ params: ask.join(', ') })})` : ''}`);
    keyboard.push([
      { text: t.run({ name: wf.name }), data: workflowData.encode({ action: 'run', workflow: wf.name }) },
    ]);
  }
  lines.push('', t.footer);
  return { text: lines.join('\n'), format: 'plain', keyboard };
}

/** `/workflows` (list, `run <name> key=value …`), its Run buttons and the Approve/Deny buttons of workflow steps. */
export function createWorkflowsFeature(deps: WorkflowsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** Starts a run for this update (its id is the run's idempotency key) and says so; the run posts its result. */
  async function start(ctx: BotContext, name: string, params: Record<string, string>, locale: Locale) {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const t = workflowsTexts(locale);
    const launched = await deps.workflows.launch(name, params, {
      turnId: updateTurnId.encode(ctx.update.update_id),
      userId: ctx.from.id,
      chat: to,
      timezone: await deps.timezoneOf(ctx.from.id),
      locale,
    });
    if (!launched.ok) {
      const text =
        launched.reason === 'unknown'
          ? t.unknown({ name })
          : t.badParams({ problems: describeProblems(launched.problems) });
      await deps.outbox.send(to, { text, format: 'plain' });
      return;
    }
    ctx.log.info({ workflow: name, runId: launched.runId }, 'workflow started');
    await deps.outbox.send(to, { text: t.starting({ name }), format: 'plain' });
  }

  composer.command('workflows', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const words = ctx.match.trim();
    const run = /^run\s+([a-z0-9][a-z0-9-]{0,31})(?:\s+([\s\S]*))?$/.exec(words);
    if (!run) {
      await deps.outbox.send(to, renderWorkflows(deps.workflows, locale));
      return;
    }
    const name = run[1] ?? '';
    const parsed = parseParamWords(run[2] ?? '');
    if ('error' in parsed && typeof parsed.error === 'string') {
      await deps.outbox.send(to, { text: workflowsTexts(locale).badWords({ words: parsed.error }), format: 'plain' });
      return;
    }
    await start(ctx, name, parsed as Record<string, string>, locale);
  });

  composer.callbackQuery(workflowData.route, async (ctx) => {
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const press = workflowData.decode(ctx.callbackQuery.data);
    if (!press) {
      await ctx.answerCallbackQuery();
      return;
    }
    if (press.action === 'decide') {
      const result = await deps.workflows.decide(press, ctx.from.id, locale);
      ctx.log.info({ ok: result.ok, approve: press.approve }, 'workflow decision');
      await ctx.answerCallbackQuery(result.ok ? {} : { text: result.text, show_alert: true });
      return;
    }
    const wf = deps.workflows.get(press.workflow);
    const t = workflowsTexts(locale);
    if (!wf) {
      await ctx.answerCallbackQuery({ text: t.unknown({ name: press.workflow }), show_alert: true });
      return;
    }
    const ask = paramsToAsk(wf);
    if (ask.length > 0) {
      await ctx.answerCallbackQuery();
      const to = chatRefOf(ctx);
      if (to)
        await deps.outbox.send(to, { text: t.askParams({ name: wf.name, params: ask.join(', ') }), format: 'plain' });
      return;
    }
    await ctx.answerCallbackQuery({ text: t.started });
    await start(ctx, wf.name, {}, locale);
  });

  return composer;
}

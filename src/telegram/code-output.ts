import { escapeHtml } from '../core/html.ts';
import { showCodeData } from '../core/keys/callback-data.ts';
import type { Logger } from '../core/logger.ts';
import { deliverOutputFiles } from '../core/output-files.ts';
import type { ChatRef, Keyboard, Outbox } from '../core/outbox.ts';
import type { CodeRun, OutputFile, TurnOutcome } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import { codeTexts } from './features/code-texts.ts';

/** Longest code and output shown per run; the rest is cut with "…" (the stored answer keeps it all). */
const MAX_CODE_CHARS = 3500;
const MAX_OUTPUT_CHARS = 800;

/**
 * The answer's keyboard with a "Show code" row when the model ran code this turn (none when the turn id does not fit
 * a button, e.g. a very long job id).
 */
export function withShowCode(outcome: TurnOutcome, turnId: string, locale: Locale): Keyboard | undefined {
  const base = outcome.keyboard;
  if (!outcome.code || outcome.code.length === 0) return base;
  const data = `code:${turnId}`;
  if (showCodeData.decode(data) === undefined) return base;
  return [...(base ?? []), [{ text: codeTexts(locale).showCode, data: showCodeData.encode(turnId) }]];
}

/** Sends the files a turn's code produced, after its answer; a file that cannot be sent gets a short line instead. */
export async function sendOutputFiles(
  outbox: Pick<Outbox, 'send' | 'sendDocument'>,
  to: ChatRef,
  files: readonly OutputFile[] | undefined,
  locale: Locale,
  log: Logger,
): Promise<void> {
  for (const file of await deliverOutputFiles(outbox, to, files, log))
    await outbox.send(to, { text: codeTexts(locale).fileFailed({ name: file.name }), format: 'plain' });
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The message "Show code" posts (Telegram HTML): each run's code in an expandable blockquote, then its output. */
export function codeMessage(runs: readonly CodeRun[], locale: Locale): string {
  const t = codeTexts(locale);
  const blocks: string[] = [`<b>${escapeHtml(t.title({ n: runs.length }))}</b>`];
  runs.forEach((run, i) => {
    const status =
      run.outcome === 'OUTCOME_FAILED' ? t.failed : run.outcome === 'OUTCOME_DEADLINE_EXCEEDED' ? t.timedOut : '';
    const head = [runs.length > 1 ? t.run({ n: i + 1 }) : '', status].filter(Boolean).join(' · ');
    const lines: string[] = [];
    if (head) lines.push(`<i>${escapeHtml(head)}</i>`);
    if (run.code.trim())
      lines.push(`<blockquote expandable>${escapeHtml(clip(run.code.trimEnd(), MAX_CODE_CHARS))}</blockquote>`);
    if (run.output?.trim())
      lines.push(
        `<i>${escapeHtml(t.output)}</i>\n<blockquote expandable>${escapeHtml(clip(run.output.trimEnd(), MAX_OUTPUT_CHARS))}</blockquote>`,
      );
    blocks.push(lines.join('\n'));
  });
  return blocks.join('\n\n');
}

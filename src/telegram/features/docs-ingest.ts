import type { Clock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import { documentCardKey } from '../../core/keys/dedupe-keys.ts';
import type { ChatRef, OutMessage, Outbox } from '../../core/outbox.ts';
import type { Logger } from '../../core/logger.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { SaveLinkOutcome } from '../../knowledge/link-saver.ts';
import type { IngestProgress } from '../../knowledge/types.ts';
import { docsTexts, sizeWords } from './docs-texts.ts';
import { renderCard } from './docs-view.ts';

/** Where one ingestion reports: the chat, the message it answers, the update (dedupe), the reader's language. */
export interface IngestPlace {
  to: ChatRef;
  group: boolean;
  updateId: number;
  replyTo: number;
  locale: Locale;
  /** The name shown while reading: the file name or the link's host. */
  name: string;
  /** What was sent: a PDF with no text is a scan (OCR), a text file that can't be read is not plain text. */
  kind?: 'pdf' | 'docx' | 'text';
}

/** Least time between two progress edits of one message (Telegram allows about one edit a second per chat). */
export const PROGRESS_INTERVAL_MS = 1500;

/** The reply for an outcome that stored nothing new (a refusal), in the reader's words. */
export function refusalText(
  outcome: SaveLinkOutcome,
  name: string,
  locale: Locale,
  kind?: IngestPlace['kind'],
): string | undefined {
  const t = docsTexts(locale);
  if (outcome.status === 'fetch_failed') {
    switch (outcome.reason) {
      case 'invalid_url':
        return t.invalidUrl;
      case 'blocked':
        return t.blocked({ host: outcome.host });
      case 'http_error':
        return t.httpError({ host: outcome.host, status: outcome.httpStatus });
      case 'unreachable':
        return t.unreachable({ host: outcome.host });
      case 'too_large':
        return t.tooLarge({ name, limit: sizeWords(outcome.limit, t) });
      case 'needs_approval':
        return t.needsApproval({ host: outcome.host });
    }
  }
  if (outcome.status !== 'rejected') return undefined;
  const limit = outcome.limit;
  switch (outcome.reason) {
    case 'too_large':
      return limit !== undefined ? t.tooLarge({ name, limit: sizeWords(limit, t) }) : t.tooManyChunks({ name });
    case 'too_many_pages':
      return limit !== undefined ? t.tooManyPages({ name, limit }) : t.tooManyChunks({ name });
    case 'too_many_chunks':
      return t.tooManyChunks({ name });
    case 'too_many_documents':
      return t.tooManyDocuments({ limit: limit ?? 0 });
    case 'no_text':
      return kind === 'text' ? t.noTextFile({ name }) : t.noText({ name });
    case 'unsupported':
      return t.unsupported({ name });
    case 'unreadable':
      return kind === 'text' ? t.noTextFile({ name }) : t.unreadable({ name });
  }
}

/**
 * One ingestion shown in ONE message: "📄 Reading report.pdf… 40 %" (edited at most every `PROGRESS_INTERVAL_MS`),
 * which then becomes the summary card (or the refusal). The message is keyed by the update, so a replayed update
 * edits the same message instead of posting another.
 */
export function createIngestReporter(deps: { outbox: Outbox; clock: Clock; log: Logger; intervalMs?: number }) {
  const interval = deps.intervalMs ?? PROGRESS_INTERVAL_MS;

  return async function report(
    place: IngestPlace,
    work: (onProgress: IngestProgress) => Promise<SaveLinkOutcome>,
    first?: string,
  ): Promise<SaveLinkOutcome> {
    const t = docsTexts(place.locale);
    const opening = await deps.outbox.send(place.to, {
      text: first ?? t.reading({ name: place.name, percent: 0 }),
      format: 'plain',
      replyTo: place.replyTo,
      dedupeKey: documentCardKey.encode(place.updateId),
    });
    const messageId = opening.ok ? opening.messageIds[0] : undefined;
    let lastAt = deps.clock.now();
    let lastText = '';
    let editing: Promise<unknown> = Promise.resolve();
    const show = (message: OutMessage): Promise<unknown> =>
      messageId === undefined
        ? deps.outbox.send(place.to, { ...message, replyTo: place.replyTo })
        : deps.outbox.edit(place.to, messageId, message);

    const onProgress: IngestProgress = ({ fraction, stage }) => {
      const percent = Math.max(0, Math.min(99, Math.floor(fraction * 100)));
      const text =
        stage === 'reading' ? t.reading({ name: place.name, percent }) : t.indexing({ name: place.name, percent });
      const now = deps.clock.now();
      if (messageId === undefined || text === lastText || now - lastAt < interval) return;
      lastAt = now;
      lastText = text;
      editing = editing.then(() =>
        deps.outbox
          .edit(place.to, messageId, { text, format: 'plain' })
          .catch((err) => deps.log.debug({ err: toError(err) }, 'could not edit the reading progress')),
      );
    };

    let outcome: SaveLinkOutcome;
    try {
      outcome = await work(onProgress);
    } catch (err) {
      // The progress message says nothing was stored; the error boundary then offers Retry.
      await editing;
      await show({ text: t.failed({ name: place.name }), format: 'plain' }).catch(() => undefined);
      throw err;
    }
    await editing;
    const refusal = refusalText(outcome, place.name, place.locale, place.kind);
    if (refusal !== undefined || outcome.status === 'fetch_failed' || outcome.status === 'rejected') {
      await show({ text: refusal ?? t.failed({ name: place.name }), format: 'plain' });
      return outcome;
    }
    await show(
      renderCard(outcome.document, {
        duplicate: outcome.status === 'duplicate',
        group: place.group,
        locale: place.locale,
      }),
    );
    return outcome;
  };
}

/** The reporter `createIngestReporter` makes. */
export type IngestReporter = ReturnType<typeof createIngestReporter>;

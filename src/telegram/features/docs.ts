import { Composer } from 'grammy';
import type { Document, Message } from 'grammy/types';
import { AppError } from '../../core/errors.ts';
import { libraryData } from '../../core/keys/callback-data.ts';
import { documentCardKey, updateTurnId } from '../../core/keys/dedupe-keys.ts';
import { libraryScopeOf } from '../../knowledge/types.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { createDocsButtonHandler, docsPage } from './docs-buttons.ts';
import type { DocsFeatureDeps } from './docs-deps.ts';
import { documentKind, libraryMime } from './docs-files.ts';
import { withoutMention } from './groups.ts';
import { type IngestPlace, createIngestReporter } from './docs-ingest.ts';
import { docsTexts, limitWords, sizeWords } from './docs-texts.ts';

export type { DocsFeatureDeps } from './docs-deps.ts';

export const docsCommands = [
  { command: 'docs', description: 'Your library: documents and saved links' },
  { command: 'save', description: 'Save a web page to your library: /save <url>' },
];

/** A message that replies to a document, a document card or an "Ask about it" prompt: a question about the library. */
function repliesToLibrary(message: Message, botId: number): boolean {
  const r = message.reply_to_message;
  if (!r) return false;
  if (r.document && libraryMime(r.document)) return true;
  return r.from?.id === botId && (r.text ?? '').startsWith('📄');
}

/**
 * The library in the chat:
 * - a document (PDF, DOCX, text, Markdown, HTML, code) is saved to the sender's library (a group's to the group's):
 *   one message shows the progress and becomes the summary card (Delete, Ask about it). Without a caption that is
 *   the whole answer; with a caption the chat feature then answers the caption as a turn (the file inline, as before).
 *   A file over Telegram's download limit, or one the library refuses, gets a reply saying what to do instead.
 * - `/save <url>`: the same for a web page (net guard as `http_fetch`).
 * - `/docs`: the library, paged, with 🗑 Delete (confirmed).
 * - `kb:` buttons: citations (send the passage), pages, Delete / Yes / Keep, Ask about it.
 * - a reply to a document or its card marks the turn, so the best passages are injected without a tool call.
 */
export function createDocsFeature(deps: DocsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const report = createIngestReporter({
    outbox: deps.outbox,
    clock: deps.clock,
    log: deps.log,
    ...(deps.progressIntervalMs !== undefined ? { intervalMs: deps.progressIntervalMs } : {}),
  });

  function placeOf(ctx: BotContext, message: Message, name: string): IngestPlace | undefined {
    const to = chatRefOf(ctx);
    if (!to) return undefined;
    return {
      to,
      group: to.type !== 'private',
      updateId: ctx.update.update_id,
      replyTo: message.message_id,
      locale: localeOfCtx(ctx),
      name,
    };
  }

  /**
   * Saves a sent document. False only when the file is too big to download at all (the chat could not read it
   * either); otherwise a caption may still be answered, even when the library refused the file (a scan: the model
   * reads it inline).
   */
  async function saveDocument(ctx: BotContext, message: Message, doc: Document, mimeType: string): Promise<boolean> {
    const name = doc.file_name ?? 'document';
    const found = placeOf(ctx, message, name);
    const from = ctx.from;
    if (!found || !from) return true;
    const place = { ...found, kind: documentKind(mimeType, name) };
    const t = docsTexts(place.locale);
    // Over Telegram's download limit (as reported before the download, or found while reading): say what to do.
    const tooBig = async (bytes: number) => {
      const text = t.telegramLimit({ name, size: sizeWords(bytes, t), limit: limitWords(deps.files.maxBytes, t) });
      const dedupeKey = documentCardKey.encode(place.updateId);
      await deps.outbox.send(place.to, { text, format: 'plain', replyTo: message.message_id, dedupeKey });
      return false;
    };
    if (doc.file_size !== undefined && doc.file_size > deps.files.maxBytes) return tooBig(doc.file_size);
    let bytes: Uint8Array;
    try {
      bytes = await deps.files.download(doc.file_id);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'invalid_input')) throw err; // the error boundary offers Retry
      return tooBig(Math.max(doc.file_size ?? 0, deps.files.maxBytes + 1));
    }
    const scope = libraryScopeOf(from.id, { chatId: place.to.chatId, type: ctx.chat?.type ?? 'private' });
    const outcome = await report(place, (onProgress) =>
      deps.kb.ingest({ scope, addedBy: from.id, fileName: name, mimeType, bytes }, onProgress),
    );
    ctx.log.info({ status: outcome.status, bytes: bytes.byteLength }, 'document for the library');
    return true;
  }

  composer.on('message', async (ctx, next) => {
    const message = ctx.message;
    if (repliesToLibrary(message, ctx.me.id)) {
      const words = withoutMention(message.text ?? message.caption ?? '', ctx.me.username);
      deps.intent.mark(updateTurnId.encode(ctx.update.update_id), words);
    }
    const doc = message.document;
    const mimeType = doc ? libraryMime(doc) : undefined;
    if (!doc || !mimeType) return next();
    const readable = await saveDocument(ctx, message, doc, mimeType);
    // A caption that only mentions the bot (how a document is sent to it in a group) asks nothing more.
    if (readable && withoutMention(message.caption ?? '', ctx.me.username) !== '') return next();
  });

  composer.command('save', async (ctx) => {
    const to = chatRefOf(ctx);
    const from = ctx.from;
    if (!to || !from || !ctx.message) return;
    const t = docsTexts(localeOfCtx(ctx));
    const url = String(ctx.match ?? '').trim();
    if (!url) {
      await deps.outbox.send(to, { text: t.saveUsage, format: 'plain', replyTo: ctx.message.message_id });
      return;
    }
    let host = url;
    try {
      host = new URL(url).hostname || url;
    } catch {
      // an invalid link is answered by the saver
    }
    const place = placeOf(ctx, ctx.message, host);
    if (!place) return;
    const scope = libraryScopeOf(from.id, { chatId: to.chatId, type: to.type });
    const outcome = await report(
      place,
      (onProgress) => deps.links.save({ scope, userId: from.id, url }, AbortSignal.timeout(120_000), onProgress),
      t.fetching({ host }),
    );
    ctx.log.info({ status: outcome.status }, '/save');
  });

  composer.command('docs', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    await deps.outbox.send(to, await docsPage(deps, ctx, 0));
  });

  composer.callbackQuery(libraryData.route, createDocsButtonHandler(deps));
  return composer;
}

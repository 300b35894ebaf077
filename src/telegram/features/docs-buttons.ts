import { toError } from '../../core/errors.ts';
import { type LibraryPress, libraryData } from '../../core/keys/callback-data.ts';
import type { OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import { type LibraryScope, libraryScopeOf } from '../../knowledge/types.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { localeOfCtx } from '../locale.ts';
import { answerStaleButton } from '../stale-button.ts';
import type { DocsFeatureDeps } from './docs-deps.ts';
import { docsTexts } from './docs-texts.ts';
import { DOCS_PAGE_SIZE, renderCard, renderConfirm, renderDocsPage, renderPassage } from './docs-view.ts';

/** The library a button press acts on: the presser's own in a private chat, the group's in a group. */
export function scopeOfCtx(ctx: BotContext): LibraryScope | undefined {
  if (!ctx.from || !ctx.chat) return undefined;
  return libraryScopeOf(ctx.from.id, { chatId: ctx.chat.id, type: ctx.chat.type });
}

/** One /docs page of the presser's library (the last page when `page` is past the end). */
export async function docsPage(deps: DocsFeatureDeps, ctx: BotContext, page: number): Promise<OutMessage> {
  const scope = scopeOfCtx(ctx)!;
  const locale = localeOfCtx(ctx);
  let list = await deps.kb.list(scope, { offset: page * DOCS_PAGE_SIZE, limit: DOCS_PAGE_SIZE });
  let at = page;
  if (list.documents.length === 0 && list.total > 0) {
    at = Math.max(0, Math.ceil(list.total / DOCS_PAGE_SIZE) - 1);
    list = await deps.kb.list(scope, { offset: at * DOCS_PAGE_SIZE, limit: DOCS_PAGE_SIZE });
  }
  const zone = await deps.timezoneOf(ctx.from!.id);
  return renderDocsPage(list, at, { group: ctx.chat?.type !== 'private', locale, zone });
}

/** The `kb:` buttons: citations, /docs pages, Delete → confirm, Ask about it. */
export function createDocsButtonHandler(deps: DocsFeatureDeps) {
  const answer = (ctx: BotContext, text?: string, alert = false) =>
    ctx
      .answerCallbackQuery(text ? { text: text.slice(0, 200), ...(alert ? { show_alert: true } : {}) } : {})
      .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer a library button'));

  async function redraw(ctx: BotContext, message: OutMessage): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (to && messageId !== undefined) await deps.outbox.edit(to, messageId, message);
    else if (to) await deps.outbox.send(to, message);
  }

  async function onCitation(ctx: BotContext, scope: LibraryScope, citationId: string, locale: Locale) {
    const t = docsTexts(locale);
    const hit = await deps.kb.passage(scope, citationId);
    if (!hit) return answerStaleButton(ctx, deps.outbox, t.citationGone, { alert: true, remove: 'button' });
    await answer(ctx);
    const to = chatRefOf(ctx)!;
    const replyTo = ctx.callbackQuery?.message?.message_id;
    await deps.outbox.send(to, { ...renderPassage(hit, locale), ...(replyTo ? { replyTo } : {}) });
  }

  async function onDocument(
    ctx: BotContext,
    scope: LibraryScope,
    press: Extract<LibraryPress, { docId: string }>,
    locale: Locale,
  ) {
    const t = docsTexts(locale);
    const doc = await deps.kb.get(scope, press.docId);
    if (!doc) return answerStaleButton(ctx, deps.outbox, t.gone, { alert: true });
    const group = ctx.chat?.type !== 'private';
    if (press.action === 'ask') {
      await answer(ctx);
      await deps.outbox.send(chatRefOf(ctx)!, { text: t.askPrompt({ title: doc.title }), format: 'plain' });
      return;
    }
    if (group && (press.action === 'delete' || press.action === 'confirm') && doc.addedBy !== ctx.from?.id) {
      await answer(ctx, t.notYours, true);
      return;
    }
    const page = 'page' in press ? press.page : undefined;
    if (press.action === 'delete') {
      await answer(ctx);
      return redraw(ctx, renderConfirm(doc, page, locale));
    }
    if (press.action === 'keep') {
      await answer(ctx, t.keptToast);
      return redraw(
        ctx,
        page !== undefined ? await docsPage(deps, ctx, page) : renderCard(doc, { duplicate: false, group, locale }),
      );
    }
    const removed = await deps.kb.delete(scope, doc.id);
    ctx.log.info({ removed }, 'library document deleted');
    await answer(ctx, removed ? t.deletedToast : t.gone);
    await redraw(
      ctx,
      page !== undefined ? await docsPage(deps, ctx, page) : { text: t.deleted({ title: doc.title }), format: 'plain' },
    );
  }

  return async (ctx: BotContext): Promise<void> => {
    const locale = localeOfCtx(ctx);
    const press = libraryData.decode(ctx.callbackQuery?.data);
    const scope = scopeOfCtx(ctx);
    if (!press || !scope) return answerStaleButton(ctx, deps.outbox, docsTexts(locale).buttonInvalid);
    if (press.action === 'cite') return onCitation(ctx, scope, press.citationId, locale);
    if (press.action === 'page') {
      await answer(ctx);
      return redraw(ctx, await docsPage(deps, ctx, press.page));
    }
    return onDocument(ctx, scope, press, locale);
  };
}

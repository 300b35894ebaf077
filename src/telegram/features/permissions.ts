import { Composer } from 'grammy';
import { z } from 'zod';
import type { Grant, GrantStore } from '../../approvals/grants.ts';
import { toError } from '../../core/errors.ts';
import { formatDayMonth } from '../../core/zoned-time.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { permissionsTexts } from './permissions-texts.ts';

export const permissionsCommands = [
  { command: 'permissions', description: 'What you allowed me to do without asking' },
];

export interface PermissionsFeatureDeps {
  grants: GrantStore;
  outbox: Outbox;
  /** The user's IANA zone, for the dates in the list. Default UTC. */
  timezoneOf?: (userId: number) => Promise<string>;
  /** The language of the bot's texts for a user. Default English. */
  localeOf?: (userId: number) => Promise<Locale>;
  /** Grants per page. Default 8. */
  pageSize?: number;
}

/**
 * Buttons: `pm:r:<user id>:<grant id>` revokes one grant, `pm:l:<user id>:<page>` pages. The user id says whose list
 * the message shows; only that user may press its buttons. Grant ids are never reused (AUTOINCREMENT).
 */
const permData = z
  .string()
  .max(64)
  .regex(/^pm:[rl]:\d{1,15}:\d{1,12}$/)
  .transform((s) => {
    const [, action, user, n] = s.split(':');
    return { action: action as 'r' | 'l', userId: Number(user), n: Number(n) };
  });

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function day(at: number, timezone: string, locale: Locale): string {
  return formatDayMonth(at, timezone, { year: true, locale });
}

/** The /permissions message for one user: numbered grants with a revoke button each, paged. Plain text. */
export function renderPermissions(
  userId: number,
  grants: Grant[],
  page: number,
  pageSize: number,
  timezone: string,
  locale: Locale = 'en',
): OutMessage {
  const t = permissionsTexts(locale);
  if (grants.length === 0) return { text: t.none, format: 'plain' };
  const pages = Math.ceil(grants.length / pageSize);
  const p = Math.min(Math.max(0, page), pages - 1);
  const slice = grants.slice(p * pageSize, (p + 1) * pageSize);
  const lines = slice.map((g, i) =>
    t.line({
      n: p * pageSize + i + 1,
      tool: g.tool,
      target: clip(g.target, 200),
      since: day(g.createdAt, timezone, locale),
    }),
  );
  const keyboard: Keyboard = slice.map((g, i) => [
    { text: t.revokeButton({ n: p * pageSize + i + 1, target: clip(g.target, 30) }), data: `pm:r:${userId}:${g.id}` },
  ]);
  if (pages > 1) {
    const nav = [];
    if (p > 0) nav.push({ text: t.prev, data: `pm:l:${userId}:${p - 1}` });
    nav.push({ text: `${p + 1}/${pages}`, data: `pm:l:${userId}:${p}` });
    if (p < pages - 1) nav.push({ text: t.next, data: `pm:l:${userId}:${p + 1}` });
    keyboard.push(nav);
  }
  return {
    text: [t.header({ n: grants.length }), ...lines, '', t.footer].join('\n'),
    format: 'plain',
    keyboard,
  };
}

/**
 * `/permissions`: lists the caller's "Always allow" grants (each for one user, one tool and one target) with a revoke
 * button per grant; a revoke edits the list in place. Only the user whose list it is may press its buttons.
 */
export function createPermissionsFeature(deps: PermissionsFeatureDeps): Composer<BotContext> {
  const { grants, outbox } = deps;
  const pageSize = deps.pageSize ?? 8;
  const composer = new Composer<BotContext>();

  async function zoneOf(userId: number): Promise<string> {
    try {
      return (await deps.timezoneOf?.(userId)) ?? 'UTC';
    } catch {
      return 'UTC';
    }
  }

  async function localeOf(userId: number): Promise<Locale> {
    try {
      return (await deps.localeOf?.(userId)) ?? 'en';
    } catch {
      return 'en';
    }
  }

  composer.command('permissions', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const list = await grants.list(ctx.from.id);
    const locale = await localeOf(ctx.from.id);
    const delivery = await outbox.send(
      to,
      renderPermissions(ctx.from.id, list, 0, pageSize, await zoneOf(ctx.from.id), locale),
    );
    ctx.log.info({ count: list.length, delivered: delivery.ok }, '/permissions');
  });

  composer.callbackQuery(/^pm:/, async (ctx) => {
    const locale = await localeOf(ctx.from.id);
    const t = permissionsTexts(locale);
    const parsed = permData.safeParse(ctx.callbackQuery.data);
    if (!parsed.success) {
      await ctx.answerCallbackQuery({ text: t.outdated });
      return;
    }
    const { action, userId, n } = parsed.data;
    if (ctx.from.id !== userId) {
      await ctx.answerCallbackQuery({ text: t.notYours, show_alert: true });
      return;
    }
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    try {
      let page = action === 'l' ? n : 0;
      if (action === 'r') {
        const before = await grants.list(userId);
        const index = before.findIndex((g) => g.id === n);
        if (index >= 0) page = Math.floor(index / pageSize);
        const removed = await grants.revoke(userId, n);
        await ctx.answerCallbackQuery({
          text: removed ? clip(t.revoked({ tool: removed.tool, target: removed.target }), 200) : t.alreadyRevoked,
        });
      } else {
        await ctx.answerCallbackQuery();
      }
      if (!to || messageId === undefined) return;
      const list = await grants.list(userId);
      const delivery = await outbox.edit(
        to,
        messageId,
        renderPermissions(userId, list, page, pageSize, await zoneOf(userId), locale),
      );
      if (!delivery.ok) ctx.log.warn({ reason: delivery.reason }, 'could not update the /permissions message');
      ctx.log.info({ action, count: list.length }, 'permissions button');
    } catch (err) {
      ctx.log.warn({ err: toError(err), data: ctx.callbackQuery.data }, 'permissions button failed');
      await ctx.answerCallbackQuery({ text: t.failed, show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}

import { Composer } from 'grammy';
import { z } from 'zod';
import { timeZoneSchema } from '../../config/env.ts';
import { type Clock, systemClock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { Keyboard, Outbox } from '../../core/outbox.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import { formatClock } from '../../core/zoned-time.ts';
import type { ChatSettingsStore } from '../../users/chat-settings.ts';
import { matchTimeZone } from '../../users/users.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { COMMON_ZONES } from './commands.ts';
import { isGroupChat, withoutMention } from './groups.ts';
import type { Locale } from '../../i18n/locale.ts';
import { localeOfCtx } from '../locale.ts';
import { commandsTexts } from './commands-texts.ts';
import { groupSettingsTexts } from './group-settings-texts.ts';

export interface GroupSettingsDeps {
  settings: ChatSettingsStore;
  outbox: Outbox;
  /** Repeating jobs of the group move to its new zone (same wall-clock time). */
  scheduler?: Pick<Scheduler, 'list' | 'update'>;
  clock?: Clock;
}

const zoneData = z
  .string()
  .regex(/^gs:z:[A-Za-z0-9_+\-/]{1,56}$/)
  .transform((s) => s.slice('gs:z:'.length))
  .pipe(timeZoneSchema);

function zoneKeyboard(locale: Locale): Keyboard {
  const t = commandsTexts(locale);
  const rows: Keyboard = [];
  for (let i = 0; i < COMMON_ZONES.length; i += 3) {
    rows.push(COMMON_ZONES.slice(i, i + 3).map((zone) => ({ text: t.zoneButton({ zone }), data: `gs:z:${zone}` })));
  }
  return rows;
}

/**
 * `/settings` in a group: the group's own settings, today its time zone (group reminders use it). Every member can
 * look; only the chat's admins (checked with getChatMember at each change) can change it, with a button or by
 * replying with a city or zone name. Changing it moves the group's repeating jobs to the new zone at the same local
 * time; one-time reminders keep their moment. Private chats' /settings is the commands feature's.
 */
export function createGroupSettingsFeature(deps: GroupSettingsDeps): Composer<BotContext> {
  const { settings, outbox } = deps;
  const clock = deps.clock ?? systemClock;
  const composer = new Composer<BotContext>();
  const groups = composer.filter((ctx) => isGroupChat(ctx.chat?.type));

  async function isAdmin(ctx: BotContext): Promise<boolean> {
    try {
      const member = await ctx.api.getChatMember(ctx.chat!.id, ctx.from!.id);
      return member.status === 'creator' || member.status === 'administrator';
    } catch (err) {
      ctx.log.warn({ err: toError(err) }, 'could not check group admin status');
      return false;
    }
  }

  async function say(ctx: BotContext, text: string, keyboard?: Keyboard, replyTo?: number): Promise<void> {
    const to = chatRefOf(ctx);
    if (!to) return;
    const d = await outbox.send(to, {
      text,
      format: 'plain',
      ...(keyboard ? { keyboard } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
    });
    if (!d.ok) ctx.log.warn({ reason: d.reason }, 'group settings reply not delivered');
  }

  async function setZone(ctx: BotContext, zone: string, replyTo?: number): Promise<void> {
    const chatId = ctx.chat!.id;
    await settings.setTimezone(chatId, zone, ctx.from!.id);
    let moved = 0;
    if (deps.scheduler) {
      for (const job of await deps.scheduler.list({ chatId })) {
        if (job.schedule.type !== 'cron' || job.timezone === zone) continue;
        try {
          await deps.scheduler.update(job.id, { timezone: zone });
          moved++;
        } catch (err) {
          ctx.log.warn({ jobId: job.id, err: toError(err) }, 'could not move a group job to the new time zone');
        }
      }
    }
    ctx.log.info({ zone, moved }, 'group time zone set');
    const text = groupSettingsTexts(localeOfCtx(ctx)).zoneSet({ zone, time: formatClock(clock.now(), zone), moved });
    await say(ctx, text, undefined, replyTo);
  }

  groups.command('settings', async (ctx) => {
    const current = await settings.get(ctx.chat.id);
    const locale = localeOfCtx(ctx);
    const t = groupSettingsTexts(locale);
    const zoneLine = current.timezone
      ? t.zoneLine({ zone: current.timezone, time: formatClock(clock.now(), current.timezone) })
      : t.zoneNotSet;
    await say(ctx, t.settings({ zoneLine }), [[{ text: commandsTexts(locale).changeZoneButton, data: 'gs:tz' }]]);
  });

  groups.callbackQuery('gs:tz', async (ctx) => {
    const locale = localeOfCtx(ctx);
    if (!(await isAdmin(ctx))) {
      await ctx.answerCallbackQuery({ text: groupSettingsTexts(locale).adminsOnly, show_alert: true });
      return;
    }
    await settings.awaitTimezone(ctx.chat!.id, ctx.from.id);
    await ctx.answerCallbackQuery();
    await say(ctx, groupSettingsTexts(locale).askZone, zoneKeyboard(locale));
  });

  groups.callbackQuery(/^gs:z:/, async (ctx) => {
    const zone = zoneData.safeParse(ctx.callbackQuery.data);
    const locale = localeOfCtx(ctx);
    const t = groupSettingsTexts(locale);
    if (!zone.success) {
      await ctx.answerCallbackQuery({ text: t.badZoneButton });
      return;
    }
    if (!(await isAdmin(ctx))) {
      await ctx.answerCallbackQuery({ text: t.adminsOnly, show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery({ text: commandsTexts(locale).zoneToast({ zone: zone.data }) });
    const messageId = ctx.callbackQuery.message?.message_id;
    const to = chatRefOf(ctx);
    if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
    await setZone(ctx, zone.data);
  });

  // A typed zone after "Change time zone" (by the admin who tapped it; in a group, a reply to the bot's question).
  groups.on('message:text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    if (!(await settings.isAwaiting(ctx.chat.id, ctx.from.id))) return next();
    const text = withoutMention(ctx.message.text, ctx.me.username);
    const zone = text.length <= 60 ? matchTimeZone(text) : undefined;
    const locale = localeOfCtx(ctx);
    if (zone) {
      if (!(await isAdmin(ctx))) {
        await say(ctx, groupSettingsTexts(locale).adminsOnly, undefined, ctx.message.message_id);
        return;
      }
      return setZone(ctx, zone, ctx.message.message_id);
    }
    if (text.split(/\s+/).length <= 3 && text.length <= 40) {
      await say(ctx, groupSettingsTexts(locale).zoneNotFound({ text }), zoneKeyboard(locale), ctx.message.message_id);
      return;
    }
    return next();
  });

  return composer;
}

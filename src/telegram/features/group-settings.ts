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

function zoneKeyboard(): Keyboard {
  const rows: Keyboard = [];
  for (let i = 0; i < COMMON_ZONES.length; i += 3) {
    rows.push(
      COMMON_ZONES.slice(i, i + 3).map((z) => ({ text: z.split('/').pop()!.replace(/_/g, ' '), data: `gs:z:${z}` })),
    );
  }
  return rows;
}

const ADMINS_ONLY = "Only the group's admins can change its settings.";

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
    const note = moved > 0 ? ` Repeating reminders here keep their local time (${moved} moved).` : '';
    await say(
      ctx,
      `✅ This group's time zone is now ${zone} (it's ${formatClock(clock.now(), zone)} there). Reminders set here use it.${note}`,
      undefined,
      replyTo,
    );
  }

  groups.command('settings', async (ctx) => {
    const current = await settings.get(ctx.chat.id);
    const zone = current.timezone
      ? `🌍 Time zone: ${current.timezone} — it's ${formatClock(clock.now(), current.timezone)} there. Reminders set here use it.`
      : "🌍 Time zone: not set — reminders set here use their creator's own time zone.";
    await say(ctx, `⚙️ Group settings\n\n${zone}\n\nOnly group admins can change these.`, [
      [{ text: '🌍 Change time zone', data: 'gs:tz' }],
    ]);
  });

  groups.callbackQuery('gs:tz', async (ctx) => {
    if (!(await isAdmin(ctx))) {
      await ctx.answerCallbackQuery({ text: ADMINS_ONLY, show_alert: true });
      return;
    }
    await settings.awaitTimezone(ctx.chat!.id, ctx.from.id);
    await ctx.answerCallbackQuery();
    await say(
      ctx,
      "🌍 Pick the group's time zone, or reply to this message with a city or zone name (for example Lisbon or America/Denver).",
      zoneKeyboard(),
    );
  });

  groups.callbackQuery(/^gs:z:/, async (ctx) => {
    const zone = zoneData.safeParse(ctx.callbackQuery.data);
    if (!zone.success) {
      await ctx.answerCallbackQuery({ text: 'That time zone is not valid. Reply with a city name instead.' });
      return;
    }
    if (!(await isAdmin(ctx))) {
      await ctx.answerCallbackQuery({ text: ADMINS_ONLY, show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery({ text: `Time zone: ${zone.data}` });
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
    if (zone) {
      if (!(await isAdmin(ctx))) {
        await say(ctx, ADMINS_ONLY, undefined, ctx.message.message_id);
        return;
      }
      return setZone(ctx, zone, ctx.message.message_id);
    }
    if (text.split(/\s+/).length <= 3 && text.length <= 40) {
      await say(
        ctx,
        `I couldn't find a time zone for "${text}". Try a bigger city nearby or a zone name like Europe/Paris, or tap a button.`,
        zoneKeyboard(),
        ctx.message.message_id,
      );
      return;
    }
    return next();
  });

  return composer;
}

import { Composer } from 'grammy';
import { z } from 'zod';
import { timeZoneSchema } from '../../config/env.ts';
import type { ConversationMemory } from '../../core/memory.ts';
import type { Keyboard, Outbox } from '../../core/outbox.ts';
import { toError } from '../../core/errors.ts';
import { formatWeekdayTime } from '../../core/zoned-time.ts';
import { type Users, matchTimeZone } from '../../users/users.ts';
import { chatKeyOfCtx, chatRefOf } from '../chat-ref.ts';
import { type MenuPlace, commandsFor, placeOf } from '../command-menu.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml as esc } from '../format.ts';
import type { TurnControl } from '../intake/turn-control.ts';
import { answerStaleButton } from '../stale-button.ts';

export const commandsCommands = [
  { command: 'start', description: 'Set up: greeting and your time zone' },
  { command: 'help', description: 'What I can do' },
  { command: 'new', description: 'Start a new conversation' },
  { command: 'settings', description: 'Time zone and other settings' },
  { command: 'stop', description: 'Stop the reply in progress' },
];

/** Time zones offered as buttons; anything else can be typed. */
export const COMMON_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Moscow',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
] as const;

const tzDataSchema = z
  .string()
  .regex(/^sys:tz:[A-Za-z0-9_+\-/]{1,56}$/)
  .transform((s) => s.slice('sys:tz:'.length))
  .pipe(timeZoneSchema);
const stopDataSchema = z
  .string()
  .regex(/^sys:stop:\d{1,15}$/)
  .transform((s) => Number(s.slice('sys:stop:'.length)));

function zoneKeyboard(): Keyboard {
  const rows: Keyboard = [];
  for (let i = 0; i < COMMON_ZONES.length; i += 3) {
    rows.push(
      COMMON_ZONES.slice(i, i + 3).map((z) => ({ text: z.split('/').pop()!.replace(/_/g, ' '), data: `sys:tz:${z}` })),
    );
  }
  return rows;
}

/** The button that shows the full help (/start keeps its message short). */
const HELP_BUTTON = { text: '❓ What can you do?', data: 'sys:help' };

function localTime(timezone: string, now: number): string {
  return formatWeekdayTime(now, timezone);
}

export interface CommandsDeps {
  users: Users;
  outbox: Outbox;
  control: TurnControl;
  /** For /new; when absent /new says conversation memory is unavailable. */
  memory?: Pick<ConversationMemory, 'newThread'>;
  /** Every command of every feature, for /help. */
  allCommands: () => { command: string; description: string }[];
  now?: () => number;
}

/** Commands answered without the model: /start, /help, /new, /settings, /stop and the Stop button. */
export function createCommandsFeature(deps: CommandsDeps): Composer<BotContext> {
  const { users, outbox, control } = deps;
  const now = deps.now ?? Date.now;
  const composer = new Composer<BotContext>();

  const reply = async (ctx: BotContext, text: string, keyboard?: Keyboard) => {
    const to = chatRefOf(ctx);
    if (!to) return;
    const d = await outbox.send(to, { text, format: 'html', ...(keyboard ? { keyboard } : {}) });
    if (!d.ok) ctx.log.warn({ reason: d.reason, message: d.message }, 'command reply not delivered');
  };

  const helpText = (place: MenuPlace) =>
    [
      '<b>What I can do</b>',
      '• Answer questions, explain, write and brainstorm',
      '• Look things up on the web and cite sources',
      '• Remember what you tell me, and forget it when asked',
      '• Set reminders and recurring jobs',
      '• Read photos, PDFs, text/code files and voice messages',
      '',
      '<b>Commands</b>',
      ...commandsFor(deps.allCommands(), place).map((c) => `/${c.command} — ${esc(c.description)}`),
      '',
      place === 'private'
        ? 'In groups, mention me, reply to me, or use a command.'
        : 'Here, mention me, reply to me, or use a command. Your data and permissions are managed in a private chat with me.',
    ].join('\n');

  composer.command('start', async (ctx) => {
    const from = ctx.from!;
    const user = await users.get(from.id);
    const name = esc(from.first_name || 'there');
    if (ctx.chat.type !== 'private') {
      await reply(ctx, `👋 Hi ${name}! Mention me or reply to my messages here and I'll help.`, [[HELP_BUTTON]]);
      return;
    }
    if (user?.timezone) {
      await reply(
        ctx,
        `👋 Welcome back, ${name}! Your time zone is <b>${esc(user.timezone)}</b> (it's ${esc(localTime(user.timezone, now()))} there). Just tell me what you need.`,
        [[HELP_BUTTON, { text: '🌍 Change time zone', data: 'sys:set:tz' }]],
      );
      if (!user.settings.onboarded) await users.updateSettings(from.id, { onboarded: true });
      return;
    }
    // The one question onboarding needs; the full help is one tap away.
    await users.updateSettings(from.id, { awaitingTimezone: true });
    const intro =
      user?.access === 'owner' && !user.settings.onboarded ? " You're my owner now." : " I'm your personal assistant.";
    await reply(
      ctx,
      `👋 Hi ${name}!${intro}\n\n🌍 One question first. <b>Which time zone are you in?</b> Tap one below, or type your city (for example <code>Berlin</code>).`,
      [...zoneKeyboard(), [HELP_BUTTON]],
    );
  });

  composer.command('help', (ctx) => reply(ctx, helpText(placeOf(ctx.chat.type))));

  composer.callbackQuery('sys:help', async (ctx) => {
    await ctx.answerCallbackQuery();
    await reply(ctx, helpText(placeOf(ctx.chat?.type)));
  });

  composer.command('new', async (ctx) => {
    const chat = chatRefOf(ctx);
    if (!chat) return;
    if (!deps.memory) {
      await reply(ctx, 'Conversation memory is not available right now, so there is nothing to reset.');
      return;
    }
    await deps.memory.newThread(chat);
    await reply(
      ctx,
      "🆕 Started a new conversation. I won't use this chat's earlier messages as context. What's next?",
    );
  });

  composer.command('settings', async (ctx, next) => {
    if (ctx.chat.type !== 'private') return next(); // a group's own settings: features/group-settings.ts
    const from = ctx.from!;
    const user = await users.get(from.id);
    const tz = await users.timezoneOf(from.id);
    const progress = user?.settings.showProgress ?? true;
    const transcripts = user?.settings.showTranscripts ?? true;
    await reply(
      ctx,
      `⚙️ <b>Settings</b>

🌍 Time zone: <b>${esc(tz)}</b>${user?.timezone ? '' : ' (default)'} — it's ${esc(localTime(tz, now()))} there.
🛠 Show what I’m doing while I work: <b>${progress ? 'on' : 'off'}</b>
🎙 Voice transcripts: <b>${transcripts ? 'on' : 'off'}</b>`,
      [
        [{ text: '🌍 Change time zone', data: 'sys:set:tz' }],
        [{ text: progress ? '🛠 Stop showing what I’m doing' : '🛠 Show what I’m doing', data: 'sys:set:progress' }],
        [
          {
            text: transcripts ? '🎙 Hide voice transcripts' : '🎙 Show voice transcripts',
            data: `sys:set:transcripts:${transcripts ? 'off' : 'on'}`,
          },
        ],
      ],
    );
  });

  composer.callbackQuery('sys:set:tz', async (ctx) => {
    await users.updateSettings(ctx.from.id, { awaitingTimezone: true });
    await ctx.answerCallbackQuery();
    await reply(
      ctx,
      '🌍 Tap your time zone, or type a city or zone name (for example <code>Lisbon</code>).',
      zoneKeyboard(),
    );
  });

  composer.callbackQuery('sys:set:progress', async (ctx) => {
    const user = await users.get(ctx.from.id);
    const next = await users.updateSettings(ctx.from.id, { showProgress: !(user?.settings.showProgress ?? true) });
    await ctx.answerCallbackQuery({
      text: next.showProgress ? 'I’ll show what I’m doing' : 'I’ll just send the answer',
    });
    await reply(
      ctx,
      next.showProgress
        ? '🛠 While I work, I’ll show what I’m doing (like “Reading a page…”).'
        : '🛠 While I work, I won’t show what I’m doing — you’ll just get the answer.',
    );
  });

  // The button says which way it switches, so a double tap can't flip the setting back.
  composer.callbackQuery(/^sys:set:transcripts:(on|off)$/, async (ctx) => {
    const next = await users.updateSettings(ctx.from.id, { showTranscripts: ctx.match[1] === 'on' });
    await ctx.answerCallbackQuery({ text: next.showTranscripts ? 'Voice transcripts on' : 'Voice transcripts off' });
    await reply(
      ctx,
      next.showTranscripts
        ? "🎙 I'll show what I heard in your voice messages above my answer."
        : "🎙 I won't show what I heard in your voice messages any more.",
    );
  });

  composer.callbackQuery(/^sys:tz:/, async (ctx) => {
    const zone = tzDataSchema.safeParse(ctx.callbackQuery.data);
    if (!zone.success)
      return void (await ctx.answerCallbackQuery({ text: 'That time zone is not valid. Type a city instead.' }));
    await setZone(ctx, zone.data);
    await ctx.answerCallbackQuery({ text: `Time zone: ${zone.data}` });
  });

  async function setZone(ctx: BotContext, zone: string): Promise<void> {
    const userId = ctx.from!.id;
    await users.setTimezone(userId, zone);
    await users.updateSettings(userId, { awaitingTimezone: false, onboarded: true });
    await reply(
      ctx,
      `✅ Time zone set to <b>${esc(zone)}</b> (it's ${esc(localTime(zone, now()))} there). Now just tell me what you need!`,
      [[HELP_BUTTON]],
    );
  }

  // Only the person who started a turn, or the owner, may stop it.
  const requester = async (userId: number) => ({ userId, isOwner: (await users.ownerId()) === userId });

  composer.command('stop', async (ctx) => {
    const key = chatKeyOfCtx(ctx);
    const r = key ? control.stopChat(key, await requester(ctx.from!.id), ctx.update.update_id) : { stopped: 0 };
    if (r.stopped > 0) await reply(ctx, '⏹ Stopped.');
    else if (r.forbidden !== undefined) await reply(ctx, `Only ${esc(r.forbidden)} or the owner can stop this.`);
    else await reply(ctx, 'Nothing is running right now.');
  });

  composer.callbackQuery(/^sys:stop:/, async (ctx) => {
    const id = stopDataSchema.safeParse(ctx.callbackQuery.data);
    const r = id.success ? control.stop(id.data, await requester(ctx.from.id)) : ({ kind: 'not_running' } as const);
    // Nothing left to stop: the button goes too (a finished reply normally replaced it already).
    if (r.kind === 'not_running') return answerStaleButton(ctx, outbox, 'That reply has already finished.');
    await ctx.answerCallbackQuery({
      text: r.kind === 'stopped' ? 'Stopping…' : `Only ${r.starter} or the owner can stop this.`,
    });
  });

  // A typed time zone after /start or "Change time zone" (private chats only; longer texts go to the model).
  composer.on('message:text', async (ctx, next) => {
    if (ctx.chat.type !== 'private' || ctx.message.text.startsWith('/')) return next();
    const user = await users.get(ctx.from.id);
    if (!user?.settings.awaitingTimezone) return next();
    const text = ctx.message.text.trim();
    const zone = text.length <= 60 ? matchTimeZone(text) : undefined;
    if (zone) return setZone(ctx, zone);
    if (text.split(/\s+/).length <= 3 && text.length <= 40) {
      await reply(
        ctx,
        `I couldn't find a time zone for "${esc(text)}". Try a bigger city nearby or a zone name like <code>Europe/Paris</code>, or tap a button.`,
        zoneKeyboard(),
      );
      return;
    }
    try {
      await users.updateSettings(ctx.from.id, { awaitingTimezone: false });
    } catch (err) {
      ctx.log.warn({ err: toError(err) }, 'could not clear the time zone prompt');
    }
    return next();
  });

  return composer;
}

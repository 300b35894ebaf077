import { Composer } from 'grammy';
import { z } from 'zod';
import { timeZoneSchema } from '../../config/env.ts';
import type { ConversationMemory } from '../../core/memory.ts';
import type { Keyboard, Outbox } from '../../core/outbox.ts';
import { toError } from '../../core/errors.ts';
import { type Users, matchTimeZone } from '../../users/users.ts';
import { chatKeyOfCtx, chatRefOf } from '../chat-ref.ts';
import { type MenuPlace, commandsFor, placeOf } from '../command-menu.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml as esc } from '../format.ts';
import type { TurnControl } from '../intake/turn-control.ts';
import { answerStaleButton } from '../stale-button.ts';
import { settingsButton, settingsData, stopData, timeZoneData } from '../../core/keys/callback-data.ts';
import { formatWeekdayTime } from '../../core/zoned-time.ts';
import type { Locale } from '../../i18n/locale.ts';
import { localeName, pickLocale } from '../../i18n/locale.ts';
import { commandTexts, localizeCommands } from '../command-texts.ts';
import { commandsTexts } from './commands-texts.ts';
import { createLanguageFeature } from './language.ts';
import { languageTexts } from './language-texts.ts';

const en = commandTexts('en');
export const commandsCommands = [
  { command: 'start', description: en.start },
  { command: 'help', description: en.help },
  { command: 'new', description: en.new },
  { command: 'settings', description: en.settings },
  { command: 'language', description: en.language },
  { command: 'stop', description: en.stop },
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

/** A time-zone button's zone, checked to be a real IANA zone. */
const tzDataSchema = z
  .custom<string>((s) => typeof s === 'string' && timeZoneData.decode(s) !== undefined)
  .transform((s) => timeZoneData.decode(s) ?? '')
  .pipe(timeZoneSchema);

function zoneKeyboard(locale: Locale): Keyboard {
  const t = commandsTexts(locale);
  const rows: Keyboard = [];
  for (let i = 0; i < COMMON_ZONES.length; i += 3) {
    rows.push(
      COMMON_ZONES.slice(i, i + 3).map((zone) => ({ text: t.zoneButton({ zone }), data: timeZoneData.encode(zone) })),
    );
  }
  return rows;
}

/** The button that shows the full help (/start keeps its message short). */
const helpButton = (locale: Locale) => ({
  text: commandsTexts(locale).helpButton,
  data: settingsButton({ setting: 'help' }),
});
const changeZoneButton = (locale: Locale) => ({
  text: commandsTexts(locale).changeZoneButton,
  data: settingsButton({ setting: 'tz' }),
});

function localTime(locale: Locale, timezone: string, now: number): string {
  return formatWeekdayTime(now, timezone, locale);
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

  /** The acting user's language (their /language choice, else the Telegram app's). */
  const localeOf = (ctx: BotContext): Promise<Locale> =>
    ctx.from ? users.localeOf(ctx.from.id) : Promise.resolve(pickLocale(undefined));

  const helpText = (place: MenuPlace, locale: Locale) => {
    const t = commandsTexts(locale);
    return [
      t.helpTitle,
      t.helpAbilities,
      '',
      t.helpCommands,
      ...localizeCommands(commandsFor(deps.allCommands(), place), locale).map(
        (c) => `/${c.command} — ${esc(c.description)}`,
      ),
      '',
      place === 'private' ? t.helpPrivateFooter : t.helpGroupFooter,
    ].join('\n');
  };

  composer.command('start', async (ctx) => {
    const from = ctx.from!;
    const user = await users.get(from.id);
    const locale = await localeOf(ctx);
    const t = commandsTexts(locale);
    const name = from.first_name ? esc(from.first_name) : undefined;
    if (ctx.chat.type !== 'private') {
      await reply(ctx, t.startGroup({ name }), [[helpButton(locale)]]);
      return;
    }
    if (user?.timezone) {
      const time = esc(localTime(locale, user.timezone, now()));
      await reply(ctx, t.startBack({ name, zone: esc(user.timezone), time }), [
        [helpButton(locale), changeZoneButton(locale)],
      ]);
      if (!user.settings.onboarded) await users.updateSettings(from.id, { onboarded: true });
      return;
    }
    // The one question onboarding needs; the full help is one tap away.
    await users.updateSettings(from.id, { awaitingTimezone: true });
    const owner = user?.access === 'owner' && !user.settings.onboarded;
    await reply(ctx, t.startAsk({ name, owner }), [...zoneKeyboard(locale), [helpButton(locale)]]);
  });

  composer.command('help', async (ctx) => reply(ctx, helpText(placeOf(ctx.chat.type), await localeOf(ctx))));

  composer.callbackQuery(settingsButton({ setting: 'help' }), async (ctx) => {
    await ctx.answerCallbackQuery();
    await reply(ctx, helpText(placeOf(ctx.chat?.type), await localeOf(ctx)));
  });

  composer.command('new', async (ctx) => {
    const chat = chatRefOf(ctx);
    if (!chat) return;
    const t = commandsTexts(await localeOf(ctx));
    if (!deps.memory) {
      await reply(ctx, t.newNoMemory);
      return;
    }
    await deps.memory.newThread(chat);
    await reply(ctx, t.newDone);
  });

  composer.command('settings', async (ctx, next) => {
    if (ctx.chat.type !== 'private') return next(); // a group's own settings: features/group-settings.ts
    const from = ctx.from!;
    const user = await users.get(from.id);
    const tz = await users.timezoneOf(from.id);
    const locale = await localeOf(ctx);
    const t = commandsTexts(locale);
    const progress = user?.settings.showProgress ?? true;
    const transcripts = user?.settings.showTranscripts ?? true;
    const choice = user?.settings.language;
    const language = choice
      ? localeName(choice)
      : languageTexts(locale).autoWith({ current: localeName(pickLocale(user?.language)) });
    const text = t.settings({
      zone: esc(tz),
      isDefault: !user?.timezone,
      time: esc(localTime(locale, tz, now())),
      progress,
      transcripts,
      language: esc(language),
    });
    await reply(ctx, text, [
      [changeZoneButton(locale)],
      [{ text: progress ? t.progressOffButton : t.progressOnButton, data: settingsButton({ setting: 'progress' }) }],
      [
        {
          text: transcripts ? t.transcriptsOffButton : t.transcriptsOnButton,
          data: settingsButton({ setting: 'transcripts', on: !transcripts }),
        },
      ],
      [{ text: t.languageButton, data: settingsButton({ setting: 'lang' }) }],
    ]);
  });

  composer.callbackQuery(settingsButton({ setting: 'tz' }), async (ctx) => {
    await users.updateSettings(ctx.from.id, { awaitingTimezone: true });
    await ctx.answerCallbackQuery();
    const locale = await localeOf(ctx);
    await reply(ctx, commandsTexts(locale).askZone, zoneKeyboard(locale));
  });

  composer.callbackQuery(settingsButton({ setting: 'progress' }), async (ctx) => {
    const user = await users.get(ctx.from.id);
    const next = await users.updateSettings(ctx.from.id, { showProgress: !(user?.settings.showProgress ?? true) });
    const t = commandsTexts(await localeOf(ctx));
    await ctx.answerCallbackQuery({ text: next.showProgress ? t.progressOnToast : t.progressOffToast });
    await reply(ctx, next.showProgress ? t.progressOn : t.progressOff);
  });

  // The button says which way it switches, so a double tap can't flip the setting back.
  const transcriptButtons = [true, false].map((on) => settingsButton({ setting: 'transcripts', on }));
  composer.callbackQuery(transcriptButtons, async (ctx) => {
    const press = settingsData.decode(ctx.callbackQuery.data);
    const on = press?.setting === 'transcripts' && press.on;
    const next = await users.updateSettings(ctx.from.id, { showTranscripts: on });
    const t = commandsTexts(await localeOf(ctx));
    await ctx.answerCallbackQuery({ text: next.showTranscripts ? t.transcriptsOnToast : t.transcriptsOffToast });
    await reply(ctx, next.showTranscripts ? t.transcriptsOn : t.transcriptsOff);
  });

  composer.callbackQuery(timeZoneData.route, async (ctx) => {
    const zone = tzDataSchema.safeParse(ctx.callbackQuery.data);
    const t = commandsTexts(await localeOf(ctx));
    if (!zone.success) return void (await ctx.answerCallbackQuery({ text: t.badZoneButton }));
    await setZone(ctx, zone.data);
    await ctx.answerCallbackQuery({ text: t.zoneToast({ zone: zone.data }) });
  });

  async function setZone(ctx: BotContext, zone: string): Promise<void> {
    const userId = ctx.from!.id;
    await users.setTimezone(userId, zone);
    await users.updateSettings(userId, { awaitingTimezone: false, onboarded: true });
    const locale = await localeOf(ctx);
    const time = esc(localTime(locale, zone, now()));
    await reply(ctx, commandsTexts(locale).zoneSet({ zone: esc(zone), time }), [[helpButton(locale)]]);
  }

  // Only the person who started a turn, or the owner, may stop it.
  const requester = async (userId: number) => ({ userId, isOwner: (await users.ownerId()) === userId });

  composer.command('stop', async (ctx) => {
    const key = chatKeyOfCtx(ctx);
    const r = key ? control.stopChat(key, await requester(ctx.from!.id), ctx.update.update_id) : { stopped: 0 };
    const t = commandsTexts(await localeOf(ctx));
    if (r.stopped > 0) await reply(ctx, t.stopped);
    else if (r.forbidden !== undefined) await reply(ctx, t.stopForbidden({ who: esc(r.forbidden) }));
    else await reply(ctx, t.nothingRunning);
  });

  composer.callbackQuery(stopData.route, async (ctx) => {
    const id = stopData.decode(ctx.callbackQuery.data);
    const r = id !== undefined ? control.stop(id, await requester(ctx.from.id)) : ({ kind: 'not_running' } as const);
    const t = commandsTexts(await localeOf(ctx));
    // Nothing left to stop: the button goes too (a finished reply normally replaced it already).
    if (r.kind === 'not_running') return answerStaleButton(ctx, outbox, t.replyFinished);
    await ctx.answerCallbackQuery({
      text: r.kind === 'stopped' ? t.stopping : t.stopForbidden({ who: r.starter }),
    });
  });

  composer.use(createLanguageFeature({ users, outbox }));

  // A typed time zone after /start or "Change time zone" (private chats only; longer texts go to the model).
  composer.on('message:text', async (ctx, next) => {
    if (ctx.chat.type !== 'private' || ctx.message.text.startsWith('/')) return next();
    const user = await users.get(ctx.from.id);
    if (!user?.settings.awaitingTimezone) return next();
    const text = ctx.message.text.trim();
    const zone = text.length <= 60 ? matchTimeZone(text) : undefined;
    if (zone) return setZone(ctx, zone);
    if (text.split(/\s+/).length <= 3 && text.length <= 40) {
      const locale = await localeOf(ctx);
      await reply(ctx, commandsTexts(locale).zoneNotFound({ text: esc(text) }), zoneKeyboard(locale));
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

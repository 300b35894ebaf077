import { Composer } from 'grammy';
import { z } from 'zod';
import { settingsButton } from '../../core/keys/callback-data.ts';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import { LOCALES, type Locale, localeName, pickLocale } from '../../i18n/locale.ts';
import type { LanguageChoice } from '../../users/locale-choice.ts';
import type { Users } from '../../users/users.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { languageTexts } from './language-texts.ts';

/** Callback data of the /language buttons: `sys:lang:<auto|en|ru>` (never text). */
const choiceDataSchema = z
  .string()
  .regex(/^sys:lang:[a-z]{2,4}$/)
  .transform((s) => s.slice('sys:lang:'.length))
  .pipe(z.enum(['auto', ...LOCALES]));

/** The data of the button that picks `choice`. */
export function languageButtonData(choice: LanguageChoice): string {
  return `sys:lang:${choice}`;
}

/** The /language menu for a user whose choice is `choice` and whose Telegram language is `telegram`. */
export function languageMenu(choice: Locale | undefined, telegram: string | null): OutMessage {
  const auto = pickLocale(telegram);
  const locale = choice ?? auto;
  const t = languageTexts(locale);
  const mark = (on: boolean, label: string) => (on ? `✓ ${label}` : label);
  const keyboard: Keyboard = [
    [
      {
        text: mark(choice === undefined, t.autoWith({ current: localeName(auto) })),
        data: languageButtonData('auto'),
      },
      ...LOCALES.map((l) => ({ text: mark(choice === l, localeName(l)), data: languageButtonData(l) })),
    ],
  ];
  return { text: t.menu({ current: localeName(locale) }), format: 'html', keyboard };
}

/** `/language` and its buttons: Auto (the Telegram app's language), English, Русский. */
export function createLanguageFeature(deps: { users: Pick<Users, 'get' | 'updateSettings'>; outbox: Outbox }) {
  const { users, outbox } = deps;
  const composer = new Composer<BotContext>();

  async function showMenu(ctx: BotContext): Promise<void> {
    const to = chatRefOf(ctx);
    const from = ctx.from;
    if (!to || !from) return;
    const user = await users.get(from.id);
    const choice = user?.settings.language;
    const telegram = user?.language ?? from.language_code ?? null;
    if (ctx.chat?.type !== 'private') {
      const d = await outbox.send(to, {
        text: languageTexts(choice ?? pickLocale(telegram)).privateOnly,
        format: 'plain',
      });
      if (!d.ok) ctx.log.warn({ reason: d.reason }, '/language answer not delivered');
      return;
    }
    const d = await outbox.send(to, languageMenu(choice, telegram));
    if (!d.ok) ctx.log.warn({ reason: d.reason }, '/language menu not delivered');
  }

  composer.command('language', showMenu);
  composer.callbackQuery(settingsButton({ setting: 'lang' }), async (ctx) => {
    await ctx.answerCallbackQuery();
    await showMenu(ctx);
  });

  composer.callbackQuery(/^sys:lang:/, async (ctx) => {
    const parsed = choiceDataSchema.safeParse(ctx.callbackQuery.data);
    if (!parsed.success) return void (await ctx.answerCallbackQuery());
    const choice = parsed.data === 'auto' ? undefined : parsed.data;
    await users.updateSettings(ctx.from.id, { language: choice });
    const telegram = (await users.get(ctx.from.id))?.language ?? ctx.from.language_code ?? null;
    const locale = choice ?? pickLocale(telegram);
    await ctx.answerCallbackQuery({ text: languageTexts(locale).chosen({ current: localeName(locale) }) });
    // The menu redraws in the new language with the mark moved.
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    if (!to || messageId === undefined) return;
    const d = await outbox.edit(to, messageId, languageMenu(choice, telegram));
    if (!d.ok) ctx.log.info({ reason: d.reason }, 'could not redraw the /language menu');
  });

  return composer;
}

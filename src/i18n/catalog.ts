import type { Locale } from './locale.ts';

/**
 * Message catalogues: the bot's own texts per language, typed so that an incomplete language does not compile.
 *
 * A catalogue lives next to the code that uses it (`<feature>-texts.ts`):
 *
 * ```ts
 * export const greetingTexts = defineMessages(
 *   { hello: 'Hello!', unread: (p: { n: number }) => `${p.n} new messages` },
 *   { ru: { hello: 'Привет!', unread: (p) => plural('ru', p.n, { one: '{n} новое сообщение', ... }) } },
 * );
 * const t = greetingTexts(locale); t.hello; t.unread({ n: 3 });
 * ```
 *
 * English is the source: its keys and parameter types define the catalogue, and every other language must have
 * exactly those keys with the same parameters. Texts the model reads (prompts, tool results) stay English and do not
 * belong in a catalogue.
 *
 * To add a language: add its code to `LOCALES` (src/i18n/locale.ts) and its name to `localeName`, add it to
 * {@link Translations} below, then let the typechecker list every catalogue that now misses it
 * (`npx tsc -p .`), and translate each. The completeness test (test/i18n/completeness.test.ts) checks every value
 * is filled in and has the same placeholders; add the language's script to its check. Finally add the bot profile
 * texts (src/telegram/bot-profile.ts, command-menu.ts) and a /language button.
 */

/** One message: a plain string, or a function of typed parameters. */
export type Message = string | ((params: never) => string);

/** The English source of a catalogue. */
export type Messages = Record<string, Message>;

/** The shape every language must have: the same keys; strings stay strings, functions keep their parameters. */
export type Translation<M extends Messages> = {
  [K in keyof M]: M[K] extends string
    ? string
    : M[K] extends (...args: infer A) => string
      ? (...args: A) => string
      : never;
};

/** Every language besides English, each required. */
export type Translations<M extends Messages> = { ru: Translation<M> };

/** A catalogue: the messages of one language; `source` and `translations` are kept for the completeness test. */
export type Catalog<M extends Messages> = ((locale: Locale) => Translation<M>) & {
  readonly source: M;
  readonly translations: Translations<M>;
};

/** Builds a catalogue from its English source and its translations. */
export function defineMessages<const M extends Messages>(en: M, translations: Translations<M>): Catalog<M> {
  const english = en as unknown as Translation<M>;
  const pick = (locale: Locale): Translation<M> => (locale === 'en' ? english : (translations[locale] ?? english));
  return Object.assign(pick, { source: en, translations });
}

/** Whether `value` is a catalogue made by {@link defineMessages} (the completeness test finds them by this). */
export function isCatalog(value: unknown): value is Catalog<Messages> {
  return typeof value === 'function' && 'source' in value && 'translations' in value;
}

/** The plural forms a language may need: English uses one/other; Russian one/few/many (other is for fractions). */
export interface PluralForms {
  one: string;
  few?: string;
  many?: string;
  other: string;
}

const rulesCache = new Map<Locale, Intl.PluralRules>();

/**
 * The form of `forms` that fits `n` in `locale` (CLDR rules via Intl.PluralRules), with `{n}` replaced by the number.
 * A missing form falls back to `other`.
 */
export function plural(locale: Locale, n: number, forms: PluralForms): string {
  let rules = rulesCache.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    rulesCache.set(locale, rules);
  }
  const category = rules.select(n);
  const form =
    (category === 'one' || category === 'few' || category === 'many' ? forms[category] : undefined) ?? forms.other;
  return form.replaceAll('{n}', String(n));
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineMessages, isCatalog, plural } from '../../src/i18n/catalog.ts';
import { formatDayMonth, formatWeekdayTime } from '../../src/core/zoned-time.ts';
import { formatNumber } from '../../src/i18n/format.ts';
import { LOCALES, isLocale, localeName, pickLocale } from '../../src/i18n/locale.ts';

test('pickLocale maps Telegram language codes to our locales, anything else to English', () => {
  assert.equal(pickLocale('ru'), 'ru');
  assert.equal(pickLocale('ru-RU'), 'ru');
  assert.equal(pickLocale('RU'), 'ru');
  assert.equal(pickLocale('en'), 'en');
  assert.equal(pickLocale('en-US'), 'en');
  assert.equal(pickLocale('de'), 'en');
  assert.equal(pickLocale('uk'), 'en');
  assert.equal(pickLocale(''), 'en');
  assert.equal(pickLocale(undefined), 'en');
  assert.equal(pickLocale(null), 'en');
  assert.equal(isLocale('ru'), true);
  assert.equal(isLocale('de'), false);
  assert.deepEqual(
    LOCALES.map((l) => localeName(l)),
    ['English', 'Русский'],
  );
});

const sample = defineMessages(
  {
    hello: 'Hello!',
    files: (p: { n: number }) => plural('en', p.n, { one: '{n} file', other: '{n} files' }),
    greet: (p: { name: string }) => `Hi, ${p.name}`,
  },
  {
    ru: {
      hello: 'Здравствуйте!',
      files: (p) => plural('ru', p.n, { one: '{n} файл', few: '{n} файла', many: '{n} файлов', other: '{n} файла' }),
      greet: (p) => `Привет, ${p.name}`,
    },
  },
);

test('defineMessages picks the language and keeps its parameters', () => {
  assert.equal(sample('en').hello, 'Hello!');
  assert.equal(sample('ru').hello, 'Здравствуйте!');
  assert.equal(sample('en').files({ n: 1 }), '1 file');
  assert.equal(sample('en').files({ n: 5 }), '5 files');
  assert.equal(sample('ru').files({ n: 21 }), '21 файл');
  assert.equal(sample('ru').greet({ name: 'Аня' }), 'Привет, Аня');
  assert.equal(isCatalog(sample), true);
  assert.equal(
    isCatalog(() => ({})),
    false,
  );
  assert.deepEqual(Object.keys(sample.source), Object.keys(sample.translations.ru));
});

test('an incomplete or mistyped translation does not compile', () => {
  // These calls are checked by `tsc -p .` (the test files are part of the project); at runtime they only build.
  defineMessages(
    { a: 'A', b: 'B' },
    // @ts-expect-error: `b` is missing in Russian
    { ru: { a: 'А' } },
  );
  defineMessages(
    { a: (p: { n: number }) => String(p.n) },
    // @ts-expect-error: a function message can't become a plain string
    { ru: { a: 'А' } },
  );
  defineMessages(
    { a: (p: { n: number }) => String(p.n) },
    // @ts-expect-error: the parameter type must stay the same
    { ru: { a: (p: { n: string }) => p.n } },
  );
  defineMessages(
    { a: 'A' },
    // @ts-expect-error: a key English doesn't have
    { ru: { a: 'А', extra: 'Б' } },
  );
  assert.ok(true);
});

test('plural uses the CLDR forms of each language', () => {
  const ru = { one: '{n} минута', few: '{n} минуты', many: '{n} минут', other: '{n} минуты' };
  assert.deepEqual(
    [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111].map((n) => plural('ru', n, ru)),
    [
      '0 минут',
      '1 минута',
      '2 минуты',
      '4 минуты',
      '5 минут',
      '11 минут',
      '12 минут',
      '14 минут',
      '21 минута',
      '22 минуты',
      '25 минут',
      '101 минута',
      '111 минут',
    ],
  );
  assert.equal(plural('ru', 1.5, ru), '1.5 минуты');
  const en = { one: '{n} minute', other: '{n} minutes' };
  assert.deepEqual(
    [0, 1, 2, 21].map((n) => plural('en', n, en)),
    ['0 minutes', '1 minute', '2 minutes', '21 minutes'],
  );
  // A missing form falls back to `other`.
  assert.equal(plural('ru', 5, { one: 'один', other: 'другие' }), 'другие');
});

test('dates and numbers follow the locale', () => {
  const at = Date.UTC(2026, 11, 3, 13, 5);
  assert.equal(formatDayMonth(at, 'Europe/Berlin', { locale: 'en' }), '3 Dec');
  assert.equal(formatDayMonth(at, 'Europe/Berlin', { locale: 'ru' }), '3 дек.');
  assert.equal(formatWeekdayTime(at, 'Europe/Berlin', 'ru'), 'чт 14:05');
  assert.equal(formatWeekdayTime(at, 'Not/AZone', 'en'), 'Thu 13:05');
  assert.equal(formatNumber('en', 12345), '12,345');
  assert.equal(formatNumber('ru', 12345).replace(/\s/g, ' '), '12 345');
});

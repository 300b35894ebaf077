import { defineMessages, plural } from '../../i18n/catalog.ts';

const ruCalls = (n: number) =>
  plural('ru', n, { one: '{n} вызов', few: '{n} вызова', many: '{n} вызовов', other: '{n} вызова' });
const ruTimes = (n: number) => plural('ru', n, { one: '{n} раз', few: '{n} раза', many: '{n} раз', other: '{n} раза' });

/** Texts of the owner's /status (sizes, durations and times come formatted). */
export const statusTexts = defineMessages(
  {
    title: '🩺 Bot status',
    version: (p: { version: string }) => `Version: ${p.version}`,
    uptime: (p: { uptime: string }) => `Running for: ${p.uptime}`,
    dbSize: (p: { size: string }) => `Database: ${p.size}`,
    dbSizeUnknown: 'Database: size unknown (remote database)',
    queue: (p: { running: number; queued: number }) => `Queue: ${p.running} running, ${p.queued} waiting`,
    modelCalls: (p: { n: number }) => `Model calls in the last hour: ${p.n}`,
    modelLine: (p: { model: string; n: number; failed: number }) =>
      `• ${p.model}: ${p.n === 1 ? '1 call' : `${p.n} calls`}${p.failed > 0 ? `, ${p.failed} failed` : ''}`,
    errorsTitle: 'Last errors:',
    errorLine: (p: { code: string; n: number; at: string }) =>
      `• ${p.code}: ${p.n === 1 ? 'once' : `${p.n} times`}, last at ${p.at}`,
    noErrors: 'No errors since the start.',
    onlyOwner: 'Only the owner can see the bot’s status. Try /help to see what I can do for you.',
  },
  {
    ru: {
      title: '🩺 Состояние бота',
      version: (p) => `Версия: ${p.version}`,
      uptime: (p) => `Работает: ${p.uptime}`,
      dbSize: (p) => `База данных: ${p.size}`,
      dbSizeUnknown: 'База данных: размер неизвестен (удалённая база)',
      queue: (p) => `Очередь: выполняется ${p.running}, ждут ${p.queued}`,
      modelCalls: (p) => `Вызовов модели за последний час: ${p.n}`,
      modelLine: (p) => `• ${p.model}: ${ruCalls(p.n)}${p.failed > 0 ? `, с ошибкой ${p.failed}` : ''}`,
      errorsTitle: 'Последние ошибки:',
      errorLine: (p) => `• ${p.code}: ${ruTimes(p.n)}, последняя в ${p.at}`,
      noErrors: 'С момента запуска ошибок не было.',
      onlyOwner: 'Состояние бота видит только владелец. Наберите /help, чтобы узнать, что я умею.',
    },
  },
);

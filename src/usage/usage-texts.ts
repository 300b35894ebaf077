import { defineMessages, plural } from '../i18n/catalog.ts';

type P = 'day' | 'month';

/** "1 token" / "3,120 tokens" with the count already formatted. */
const enTokens = (n: number, shown: string) => `${shown} ${n === 1 ? 'token' : 'tokens'}`;
const ruTokens = (n: number, shown: string) =>
  `${shown} ${plural('ru', n, { one: 'токен', few: 'токена', many: 'токенов', other: 'токена' })}`;

/** Texts of /usage and of the budgets (amounts and token counts come formatted). */
export const usageTexts = defineMessages(
  {
    title: '📊 Your usage',
    today: (p: { n: number; tokens: string; cost: string }) => `Today: ${enTokens(p.n, p.tokens)}, ${p.cost}`,
    month: (p: { n: number; tokens: string; cost: string }) => `This month: ${enTokens(p.n, p.tokens)}, ${p.cost}`,
    limit: (p: { limit: string; percent: number }) => `   limit ${p.limit} (${p.percent}% used)`,
    byAgent: 'By agent, this month:',
    byPurpose: 'By kind, this month:',
    line: (p: { name: string; n: number; tokens: string; cost: string }) =>
      `• ${p.name}: ${enTokens(p.n, p.tokens)}, ${p.cost}`,
    purposeChat: 'chat',
    purposeScheduled: 'scheduled runs',
    purposeMemory: 'memory (background)',
    purposeOther: 'other',
    noAgent: 'other',
    nothingYet: 'No model calls this month yet.',
    pricesNote: (p: { date: string }) => `Costs use the list prices checked on ${p.date}.`,
    chartCaption: 'Tokens per day, last 30 days',
    allTitle: '📊 Everyone this month (today in brackets)',
    allLine: (p: { name: string; n: number; tokens: string; cost: string; dayTokens: string; dayCost: string }) =>
      `• ${p.name}: ${enTokens(p.n, p.tokens)}, ${p.cost} (${p.dayTokens}, ${p.dayCost})`,
    allLimits: (p: { daily: string; monthly: string }) => `   limits: ${p.daily} a day, ${p.monthly} a month`,
    unlimited: 'none',
    nobody: 'background work of no user',
    onlyOwner: 'Only the owner can see everyone’s usage or change limits.',
    privateOnly: 'Everyone’s usage and the limits are shown only in a private chat with me. Send it there.',
    limitHelp:
      'To change a limit: /usage limit <user id> day|month <USD> (0 = no limit, "default" = the configured default).',
    limitSet: (p: { name: string; period: P; limit: string }) =>
      p.period === 'day' ? `${p.name}’s daily limit: ${p.limit}.` : `${p.name}’s monthly limit: ${p.limit}.`,
    warning: (p: { period: P; percent: number; spent: string; limit: string }) =>
      p.period === 'day'
        ? `⚠️ You have used ${p.percent}% of your daily budget (${p.spent} of ${p.limit}).`
        : `⚠️ You have used ${p.percent}% of your monthly budget (${p.spent} of ${p.limit}).`,
    blocked: (p: { period: P; spent: string; limit: string }) =>
      p.period === 'day'
        ? `You have used up your daily budget (${p.spent} of ${p.limit}), so I can’t answer until tomorrow. The owner can raise the limit.`
        : `You have used up your monthly budget (${p.spent} of ${p.limit}), so I can’t answer until next month. The owner can raise the limit.`,
    ownerBlocked: (p: { name: string; period: P; spent: string; limit: string }) =>
      p.period === 'day'
        ? `${p.name} has used up their daily budget (${p.spent} of ${p.limit}). Their messages get no answer until tomorrow.`
        : `${p.name} has used up their monthly budget (${p.spent} of ${p.limit}). Their messages get no answer until next month.`,
    raiseButton: (p: { limit: string }) => `Raise to ${p.limit}`,
    raised: (p: { name: string; period: P; limit: string }) =>
      p.period === 'day'
        ? `✅ Raised: ${p.name}’s daily limit is now ${p.limit}.`
        : `✅ Raised: ${p.name}’s monthly limit is now ${p.limit}.`,
    userRaised: (p: { period: P; limit: string }) =>
      p.period === 'day'
        ? `The owner raised your daily limit to ${p.limit}. You can carry on.`
        : `The owner raised your monthly limit to ${p.limit}. You can carry on.`,
    alreadyRaised: 'That limit is already at least this high.',
    outdated: 'This button is out of date. Use /usage all.',
    failed: 'Something went wrong. Please try again.',
  },
  {
    ru: {
      title: '📊 Ваш расход',
      today: (p) => `Сегодня: ${ruTokens(p.n, p.tokens)}, ${p.cost}`,
      month: (p) => `В этом месяце: ${ruTokens(p.n, p.tokens)}, ${p.cost}`,
      limit: (p) => `   лимит ${p.limit} (израсходовано ${p.percent}%)`,
      byAgent: 'По агентам, за месяц:',
      byPurpose: 'По видам работы, за месяц:',
      line: (p) => `• ${p.name}: ${ruTokens(p.n, p.tokens)}, ${p.cost}`,
      purposeChat: 'чат',
      purposeScheduled: 'задачи по расписанию',
      purposeMemory: 'память (в фоне)',
      purposeOther: 'другое',
      noAgent: 'другое',
      nothingYet: 'В этом месяце обращений к модели ещё не было.',
      pricesNote: (p) => `Стоимость посчитана по ценам прайс-листа на ${p.date}.`,
      chartCaption: 'Токены по дням, последние 30 дней',
      allTitle: '📊 Все пользователи за месяц (в скобках — сегодня)',
      allLine: (p) => `• ${p.name}: ${ruTokens(p.n, p.tokens)}, ${p.cost} (${p.dayTokens}, ${p.dayCost})`,
      allLimits: (p) => `   лимиты: ${p.daily} в день, ${p.monthly} в месяц`,
      unlimited: 'нет',
      nobody: 'фоновая работа без пользователя',
      onlyOwner: 'Расход всех пользователей и лимиты доступны только владельцу.',
      privateOnly: 'Расход всех и лимиты я показываю только в личном чате. Отправьте команду туда.',
      limitHelp:
        'Изменить лимит: /usage limit <id пользователя> day|month <USD> (0 — без лимита, "default" — как в настройках).',
      limitSet: (p) =>
        p.period === 'day' ? `Дневной лимит для ${p.name}: ${p.limit}.` : `Месячный лимит для ${p.name}: ${p.limit}.`,
      warning: (p) =>
        p.period === 'day'
          ? `⚠️ Вы израсходовали ${p.percent}% дневного бюджета (${p.spent} из ${p.limit}).`
          : `⚠️ Вы израсходовали ${p.percent}% месячного бюджета (${p.spent} из ${p.limit}).`,
      blocked: (p) =>
        p.period === 'day'
          ? `Дневной бюджет исчерпан (${p.spent} из ${p.limit}), поэтому до завтра я не смогу отвечать. Владелец может поднять лимит.`
          : `Месячный бюджет исчерпан (${p.spent} из ${p.limit}), поэтому до следующего месяца я не смогу отвечать. Владелец может поднять лимит.`,
      ownerBlocked: (p) =>
        p.period === 'day'
          ? `${p.name}: дневной бюджет исчерпан (${p.spent} из ${p.limit}). До завтра сообщения останутся без ответа.`
          : `${p.name}: месячный бюджет исчерпан (${p.spent} из ${p.limit}). До следующего месяца сообщения останутся без ответа.`,
      raiseButton: (p) => `Поднять до ${p.limit}`,
      raised: (p) =>
        p.period === 'day'
          ? `✅ Готово: дневной лимит для ${p.name} теперь ${p.limit}.`
          : `✅ Готово: месячный лимит для ${p.name} теперь ${p.limit}.`,
      userRaised: (p) =>
        p.period === 'day'
          ? `Владелец поднял ваш дневной лимит до ${p.limit}. Можно продолжать.`
          : `Владелец поднял ваш месячный лимит до ${p.limit}. Можно продолжать.`,
      alreadyRaised: 'Этот лимит уже не ниже.',
      outdated: 'Эта кнопка устарела. Откройте /usage all.',
      failed: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
  },
);

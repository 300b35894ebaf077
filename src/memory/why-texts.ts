/** The /why texts, English and Russian (the bot's own words; fact texts and quotes stay as they are). */
import { defineMessages, plural } from '../i18n/catalog.ts';

const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const count = (n: number): string => NUMBERS[n] ?? String(n);

/** What a tool did, as verb phrases [done, wanted-to], by tool name (`other` for the rest). */
type ToolPhrases = (target: string | undefined) => Record<string, [string, string]>;

const enTools: ToolPhrases = (at) => ({
  http_fetch: at ? [`fetched ${at}`, `fetch ${at}`] : ['fetched a web page', 'fetch a web page'],
  current_time: ['checked the current time', 'check the current time'],
  remember: ['saved something new about you', 'save something about you'],
  recall: ['searched what I remember about you', 'search what I remember about you'],
  forget: ['forgot something you asked me to forget', 'forget something'],
  schedule_create: ['set up a reminder or schedule', 'set up a reminder or schedule'],
  schedule_list: ['looked at your reminders and schedules', 'look at your reminders and schedules'],
  schedule_update: ['changed one of your schedules', 'change one of your schedules'],
  schedule_delete: ['deleted one of your schedules', 'delete one of your schedules'],
  other: ['took one more step (see Details)', 'take one more step (see Details)'],
});

/** [done, wanted-to] of `tool` in `phrases`. */
function toolPhrase(phrases: ToolPhrases, tool: string, target: string | undefined): [string, string] {
  const all = phrases(target);
  return all[tool] ?? (all.other as [string, string]);
}

/** Why a guard stopped a turn, by processor (`other` for the rest): [English, Russian]. */
const HALTS: Record<string, [string, string]> = {
  injection: [
    'the text I read looked like instructions aimed at me (a possible prompt injection)',
    'в прочитанном тексте были команды для меня (возможная промпт-инъекция)',
  ],
  keywords: ['it matched something the bot’s owner has blocked', 'в нём было то, что владелец бота запретил'],
  'max-tool-calls': [
    'it needed more tool calls than one request may make',
    'ему понадобилось больше вызовов инструментов, чем можно за один запрос',
  ],
  other: ['a safety check stopped it', 'его остановила проверка безопасности'],
};
const haltWhy = (processor: string, i: 0 | 1): string => (HALTS[processor] ?? (HALTS.other as [string, string]))[i];

/** Where a guard redacted something, by hook: [English, Russian]. */
const PLACES: Record<string, [string, string]> = {
  input: ['your message', 'вашего сообщения'],
  toolCall: ['a tool call', 'вызова инструмента'],
  toolResult: ['a tool’s result', 'результата инструмента'],
  output: ['my answer', 'моего ответа'],
};
const place = (hook: string, i: 0 | 1): string => (PLACES[hook] ?? (PLACES.output as [string, string]))[i];

const ruTools: ToolPhrases = (at) => ({
  http_fetch: at ? [`открыл ${at}`, `открыть ${at}`] : ['открыл веб-страницу', 'открыть веб-страницу'],
  current_time: ['проверил текущее время', 'проверить текущее время'],
  remember: ['запомнил о вас что-то новое', 'запомнить что-то о вас'],
  recall: ['поискал в том, что помню о вас', 'поискать в том, что помню о вас'],
  forget: ['забыл то, что вы просили забыть', 'что-то забыть'],
  schedule_create: ['создал напоминание или расписание', 'создать напоминание или расписание'],
  schedule_list: ['посмотрел ваши напоминания и расписания', 'посмотреть ваши напоминания и расписания'],
  schedule_update: ['изменил одно из ваших расписаний', 'изменить одно из ваших расписаний'],
  schedule_delete: ['удалил одно из ваших расписаний', 'удалить одно из ваших расписаний'],
  other: ['сделал ещё один шаг (см. «Подробности»)', 'сделать ещё один шаг (см. «Подробности»)'],
});

export const whyTexts = defineMessages(
  {
    toolDone: (p: { tool: string; target: string | undefined }) => toolPhrase(enTools, p.tool, p.target)[0],
    toolWanted: (p: { tool: string; target: string | undefined }) => toolPhrase(enTools, p.tool, p.target)[1],
    you: 'you',
    someone: 'someone',
    aQuestion: 'a question',
    askedAnswered: (p: { q: string; by: string; you: boolean; answer: string }) =>
      `I asked ${p.q}${p.you ? ' and you answered' : ` and ${p.by} answered`} “${p.answer}”.`,
    askedExpired: (p: { q: string }) =>
      `I asked ${p.q}, but no one answered in time, so I carried on without an answer.`,
    asked: (p: { q: string }) => `I asked ${p.q}.`,
    wantedDenied: (p: { wanted: string; by: string; you: boolean }) =>
      `I wanted to ${p.wanted}, but ${p.you ? 'you' : p.by} said no.`,
    wantedExpired: (p: { wanted: string }) => `I wanted to ${p.wanted}, but no one answered in time, so I didn’t.`,
    approvedBy: (p: { by: string; you: boolean }) => ` (${p.you ? 'you' : p.by} approved it)`,
    wentAhead: ' (no one answered in time, so I went ahead)',
    triedFailed: (p: { wanted: string; note: string }) => `I tried to ${p.wanted}${p.note}, but it didn’t work.`,
    did: (p: { done: string; note: string }) => `I ${p.done}${p.note}.`,
    photo: (p: { name: string }) => `the photo you sent${p.name}`,
    voice: (p: { name: string }) => `your voice message${p.name}`,
    video: (p: { name: string }) => `the video you sent${p.name}`,
    file: (p: { name: string }) => `the file you sent${p.name}`,
    lookedAt: (p: { items: string[] }) => `I looked at ${p.items.join(' and ')}.`,
    usedFacts: (p: { n: number }) => `I used ${count(p.n)} ${p.n === 1 ? 'thing' : 'things'} I remember about you:`,
    forgottenFact: 'something you’ve since asked me to forget',
    earlierDeleted: 'I looked at an earlier conversation that has since been deleted.',
    earlierOne: (p: { date: string | undefined; text: string }) =>
      `I looked at an earlier conversation${p.date ? ` from ${p.date}` : ''}: “${p.text}”`,
    earlierMany: (p: { n: number }) => `I looked at ${count(p.n)} earlier conversations:`,
    earlierItemDeleted: '• (since deleted)',
    webPages: (p: { hosts: string }) => `I searched the web and used pages from ${p.hosts}.`,
    webSearched: 'I searched the web.',
    nothingUsed:
      'My last answer didn’t use anything I remember about you, and I didn’t take any actions — I only used our recent messages.',
    seeMemory: 'Send /memory to see or change what I remember.',
    waitingAnswer: (p: { q: string | undefined }) =>
      `I’m still waiting for an answer to my question${p.q ? ` “${p.q}”` : ''}.`,
    waitingOk: (p: { wanted: string }) => `I’m still waiting for an OK to ${p.wanted}.`,
    guardHalted: (p: { processor: string }) => `I stopped this request: ${haltWhy(p.processor, 0)}.`,
    guardRedacted: (p: { processor: string; hook: string }) =>
      p.processor === 'secrets'
        ? `I removed a secret (a key or token) from ${place(p.hook, 0)}.`
        : `I removed something the bot’s owner has blocked from ${place(p.hook, 0)}.`,
    guardFlagged: (p: { hook: string }) =>
      p.hook === 'input'
        ? 'Your message read like an attempt to change my instructions; I noted it.'
        : 'Something I read looked like instructions aimed at me; I treated it only as data.',
    noAnswerYet: 'I haven’t answered anything for you in this chat yet.',
    detailsTitle: 'Details',
    detailsButton: '🔎 Details',
    backButton: '◀ Back to the summary',
    staleButton: 'This button is out of date. Send /why again.',
    notYours: 'This is about someone else’s answer. Send /why to see yours.',
    answeredSince: 'I’ve answered you since. Send /why again for my latest answer.',
    failed: 'Something went wrong. Please try again.',
  },
  {
    ru: {
      toolDone: (p) => toolPhrase(ruTools, p.tool, p.target)[0],
      toolWanted: (p) => toolPhrase(ruTools, p.tool, p.target)[1],
      you: 'вы',
      someone: 'кто-то',
      aQuestion: 'вопрос',
      askedAnswered: (p) => `Я спросил ${p.q}, и ${p.you ? 'вы ответили' : `${p.by} ответил(а)`} «${p.answer}».`,
      askedExpired: (p) => `Я спросил ${p.q}, но никто не ответил вовремя, и я продолжил без ответа.`,
      asked: (p) => `Я спросил ${p.q}.`,
      wantedDenied: (p) => `Я хотел ${p.wanted}, но ${p.you ? 'вы отказали' : `${p.by} отказал(а)`}.`,
      wantedExpired: (p) => `Я хотел ${p.wanted}, но никто не ответил вовремя, и я не стал.`,
      approvedBy: (p) => ` (${p.you ? 'вы разрешили' : `${p.by} разрешил(а)`})`,
      wentAhead: ' (никто не ответил вовремя, и я продолжил)',
      triedFailed: (p) => `Я пытался ${p.wanted}${p.note}, но не получилось.`,
      did: (p) => `Я ${p.done}${p.note}.`,
      photo: (p) => `фото, которое вы прислали${p.name}`,
      voice: (p) => `ваше голосовое сообщение${p.name}`,
      video: (p) => `видео, которое вы прислали${p.name}`,
      file: (p) => `файл, который вы прислали${p.name}`,
      lookedAt: (p) => `Я посмотрел ${p.items.join(' и ')}.`,
      usedFacts: (p) =>
        `Я использовал ${plural('ru', p.n, { one: '{n} факт', few: '{n} факта', many: '{n} фактов', other: '{n} факта' })} о вас:`,
      forgottenFact: 'то, что вы с тех пор попросили забыть',
      earlierDeleted: 'Я посмотрел прошлый разговор, который с тех пор удалён.',
      earlierOne: (p) => `Я посмотрел прошлый разговор${p.date ? ` от ${p.date}` : ''}: «${p.text}»`,
      earlierMany: (p) =>
        `Я посмотрел ${plural('ru', p.n, { one: '{n} прошлый разговор', few: '{n} прошлых разговора', many: '{n} прошлых разговоров', other: '{n} прошлых разговора' })}:`,
      earlierItemDeleted: '• (удалён)',
      webPages: (p) => `Я поискал в интернете и использовал страницы с ${p.hosts}.`,
      webSearched: 'Я поискал в интернете.',
      nothingUsed:
        'Для последнего ответа я не использовал ничего из того, что помню о вас, и ничего не делал — только наши недавние сообщения.',
      seeMemory: 'Отправьте /memory, чтобы посмотреть или изменить, что я помню.',
      waitingAnswer: (p) => `Я всё ещё жду ответа на свой вопрос${p.q ? ` «${p.q}»` : ''}.`,
      waitingOk: (p) => `Я всё ещё жду разрешения ${p.wanted}.`,
      guardHalted: (p) => `Я остановил этот запрос: ${haltWhy(p.processor, 1)}.`,
      guardRedacted: (p) =>
        p.processor === 'secrets'
          ? `Я убрал секрет (ключ или токен) из ${place(p.hook, 1)}.`
          : `Я убрал из ${place(p.hook, 1)} то, что владелец бота запретил.`,
      guardFlagged: (p) =>
        p.hook === 'input'
          ? 'Ваше сообщение было похоже на попытку изменить мои инструкции; я это отметил.'
          : 'В прочитанном были похожие на команды для меня тексты; я воспринял их только как данные.',
      noAnswerYet: 'В этом чате я вам ещё ничего не отвечал.',
      detailsTitle: 'Подробности',
      detailsButton: '🔎 Подробности',
      backButton: '◀ Назад к сводке',
      staleButton: 'Эта кнопка устарела. Отправьте /why ещё раз.',
      notYours: 'Это про чужой ответ. Отправьте /why, чтобы увидеть свой.',
      answeredSince: 'С тех пор я уже ответил вам снова. Отправьте /why ещё раз для последнего ответа.',
      failed: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
  },
);

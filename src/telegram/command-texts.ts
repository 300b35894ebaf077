import { defineMessages } from '../i18n/catalog.ts';
import type { Locale } from '../i18n/locale.ts';
import type { CommandSpec } from './command-menu.ts';

/**
 * Every command's menu and /help description, per language, keyed by command. Features declare their commands in
 * English (their `*Commands` lists); a language other than English takes the description from here, so one place
 * holds the whole menu of a language.
 */
export const commandTexts = defineMessages(
  {
    start: 'Set up: greeting and your time zone',
    help: 'What I can do',
    new: 'Start a new conversation',
    settings: 'Time zone and other settings',
    language: 'Language of my messages',
    stop: 'Stop the reply in progress',
    memory: 'What I remember about you (and forget things)',
    forget: 'Forget something: /forget <what>',
    why: 'What my last answer used and did',
    export: 'Download your data as JSON',
    wipe: 'Erase everything I store about you',
    jobs: 'Your reminders and scheduled tasks',
    tasks: 'Background tasks: running, waiting, recent',
    docs: 'Your library: documents and saved links',
    save: 'Save a web page to your library: /save <url>',
    skills: 'Your skills: saved procedures you run by name',
    pending: 'Approvals, questions and access requests waiting for you',
    permissions: 'What you allowed me to do without asking',
    connect: 'Add a token for a service: /connect <name>',
    connections: 'Your saved service tokens (names only)',
    tools: 'Connected services and their tools',
    workflows: 'Run a saved workflow (fixed procedure)',
    users: 'Owner: list users and manage access',
    usage: 'Your tokens and costs (owner: /usage all)',
    status: 'Owner: bot health, queue and recent errors',
  },
  {
    ru: {
      start: 'Начать: приветствие и ваш часовой пояс',
      help: 'Что я умею',
      new: 'Начать новый разговор',
      settings: 'Часовой пояс и другие настройки',
      language: 'Язык моих сообщений',
      stop: 'Остановить текущий ответ',
      memory: 'Что я о вас помню (и как забыть)',
      forget: 'Забыть что-то: /forget <что>',
      why: 'Что использовал и сделал мой последний ответ',
      export: 'Скачать ваши данные в JSON',
      wipe: 'Стереть всё, что я о вас храню',
      jobs: 'Ваши напоминания и задачи по расписанию',
      tasks: 'Фоновые задачи: идущие, ожидающие, недавние',
      docs: 'Ваша библиотека: документы и сохранённые ссылки',
      save: 'Сохранить веб-страницу в библиотеку: /save <ссылка>',
      skills: 'Ваши навыки: сохранённые порядки действий, которые запускаются по названию',
      pending: 'Подтверждения, вопросы и запросы доступа, которые ждут вас',
      permissions: 'Что вы разрешили мне делать без спроса',
      connect: 'Добавить токен сервиса: /connect <имя>',
      connections: 'Ваши сохранённые токены (только имена)',
      tools: 'Подключённые сервисы и их инструменты',
      workflows: 'Запустить сценарий (постоянную процедуру)',
      users: 'Владелец: пользователи и доступ',
      usage: 'Ваши токены и расходы (владелец: /usage all)',
      status: 'Владелец: состояние бота, очередь и ошибки',
    },
  },
);

/** `commands` with their descriptions in `locale` (English: as the features declared them). */
export function localizeCommands(commands: CommandSpec[], locale: Locale): CommandSpec[] {
  if (locale === 'en') return commands;
  const texts: Record<string, string> = commandTexts(locale);
  return commands.map((c) => ({ command: c.command, description: texts[c.command] ?? c.description }));
}

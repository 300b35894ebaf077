import { defineMessages } from '../../i18n/catalog.ts';

/** Names on the time-zone buttons (zones not listed show their IANA city). */
const RU_ZONE_NAMES: Record<string, string> = {
  'Europe/London': 'Лондон',
  'Europe/Berlin': 'Берлин',
  'Europe/Moscow': 'Москва',
  'Asia/Dubai': 'Дубай',
  'Asia/Kolkata': 'Калькутта',
  'Asia/Shanghai': 'Шанхай',
  'Asia/Tokyo': 'Токио',
  'Australia/Sydney': 'Сидней',
  'America/New_York': 'Нью-Йорк',
  'America/Chicago': 'Чикаго',
  'America/Los_Angeles': 'Лос-Анджелес',
  'America/Sao_Paulo': 'Сан-Паулу',
};

const cityOf = (zone: string) => zone.split('/').pop()!.replace(/_/g, ' ');

/**
 * Texts of /start, /help, /new, /settings and /stop. Parameters that end up in HTML (`name`, `zone`, `time`, `text`)
 * arrive escaped.
 */
export const commandsTexts = defineMessages(
  {
    helpButton: '❓ What can you do?',
    changeZoneButton: '🌍 Change time zone',
    languageButton: '🗣 Language',
    zoneButton: (p: { zone: string }) => cityOf(p.zone),
    helpTitle: '<b>What I can do</b>',
    helpAbilities: [
      '• Answer questions, explain, write and brainstorm',
      '• Look things up on the web and cite sources',
      '• Remember what you tell me, and forget it when asked',
      '• Set reminders and recurring jobs',
      '• Work on longer requests in the background and reply when done, while we keep talking (/tasks)',
      '• Read photos, PDFs, text/code files and voice messages',
      '• Keep your documents and links in a library (/docs, /save) and answer from them with sources',
      '• Learn skills: procedures you teach me once and run by name or on a schedule (/skills)',
    ].join('\n'),
    helpCommands: '<b>Commands</b>',
    helpPrivateFooter: 'In groups, mention me, reply to me, or use a command.',
    helpGroupFooter:
      'Here, mention me, reply to me, or use a command. Your data and permissions are managed in a private chat with me.',
    startGroup: (p: { name: string | undefined }) =>
      `👋 Hi ${p.name ?? 'there'}! Mention me or reply to my messages here and I'll help.`,
    startBack: (p: { name: string | undefined; zone: string; time: string }) =>
      `👋 Welcome back, ${p.name ?? 'there'}! Your time zone is <b>${p.zone}</b> (it's ${p.time} there). Just tell me what you need.`,
    startAsk: (p: { name: string | undefined; owner: boolean }) =>
      `👋 Hi ${p.name ?? 'there'}!${p.owner ? " You're my owner now." : " I'm your personal assistant."}\n\n🌍 One question first. <b>Which time zone are you in?</b> Tap one below, or type your city (for example <code>Berlin</code>).`,
    newNoMemory: 'Conversation memory is not available right now, so there is nothing to reset.',
    newDone: "🆕 Started a new conversation. I won't use this chat's earlier messages as context. What's next?",
    settings: (p: {
      zone: string;
      isDefault: boolean;
      time: string;
      progress: boolean;
      transcripts: boolean;
      language: string;
    }) =>
      `⚙️ <b>Settings</b>

🌍 Time zone: <b>${p.zone}</b>${p.isDefault ? ' (default)' : ''} — it's ${p.time} there.
🛠 Show what I’m doing while I work: <b>${p.progress ? 'on' : 'off'}</b>
🎙 Voice transcripts: <b>${p.transcripts ? 'on' : 'off'}</b>
🗣 Language: <b>${p.language}</b>`,
    progressOffButton: '🛠 Stop showing what I’m doing',
    progressOnButton: '🛠 Show what I’m doing',
    transcriptsOffButton: '🎙 Hide voice transcripts',
    transcriptsOnButton: '🎙 Show voice transcripts',
    askZone: '🌍 Tap your time zone, or type a city or zone name (for example <code>Lisbon</code>).',
    progressOnToast: 'I’ll show what I’m doing',
    progressOffToast: 'I’ll just send the answer',
    progressOn: '🛠 While I work, I’ll show what I’m doing (like “Reading a page…”).',
    progressOff: '🛠 While I work, I won’t show what I’m doing — you’ll just get the answer.',
    transcriptsOnToast: 'Voice transcripts on',
    transcriptsOffToast: 'Voice transcripts off',
    transcriptsOn: "🎙 I'll show what I heard in your voice messages above my answer.",
    transcriptsOff: "🎙 I won't show what I heard in your voice messages any more.",
    badZoneButton: 'That time zone is not valid. Type a city instead.',
    zoneToast: (p: { zone: string }) => `Time zone: ${p.zone}`,
    zoneSet: (p: { zone: string; time: string }) =>
      `✅ Time zone set to <b>${p.zone}</b> (it's ${p.time} there). Now just tell me what you need!`,
    zoneNotFound: (p: { text: string }) =>
      `I couldn't find a time zone for "${p.text}". Try a bigger city nearby or a zone name like <code>Europe/Paris</code>, or tap a button.`,
    stopped: '⏹ Stopped.',
    stopForbidden: (p: { who: string }) => `Only ${p.who} or the owner can stop this.`,
    nothingRunning: 'Nothing is running right now.',
    replyFinished: 'That reply has already finished.',
    stopping: 'Stopping…',
  },
  {
    ru: {
      helpButton: '❓ Что умеет бот?',
      changeZoneButton: '🌍 Сменить часовой пояс',
      languageButton: '🗣 Язык',
      zoneButton: (p) => RU_ZONE_NAMES[p.zone] ?? cityOf(p.zone),
      helpTitle: '<b>Что я умею</b>',
      helpAbilities: [
        '• Отвечать на вопросы, объяснять, писать тексты и подкидывать идеи',
        '• Искать в интернете и указывать источники',
        '• Запоминать, что вы мне рассказываете, и забывать по просьбе',
        '• Ставить напоминания и повторяющиеся задачи',
        '• Работать над долгими просьбами в фоне и ответить, когда готово, пока мы продолжаем разговор (/tasks)',
        '• Читать фото, PDF, текстовые файлы и код, слушать голосовые сообщения',
        '• Хранить ваши документы и ссылки в библиотеке (/docs, /save) и отвечать по ним со ссылками на источники',
        '• Учиться навыкам: порядкам действий, которые вы объясняете один раз и запускаете по названию или по расписанию (/skills)',
      ].join('\n'),
      helpCommands: '<b>Команды</b>',
      helpPrivateFooter: 'В группах упомяните меня, ответьте на моё сообщение или отправьте команду.',
      helpGroupFooter:
        'Здесь упомяните меня, ответьте на моё сообщение или отправьте команду. Своими данными и разрешениями вы управляете в личном чате со мной.',
      startGroup: (p) =>
        `👋 Здравствуйте${p.name ? `, ${p.name}` : ''}! Упомяните меня или ответьте на моё сообщение — и я помогу.`,
      startBack: (p) =>
        `👋 С возвращением${p.name ? `, ${p.name}` : ''}! Ваш часовой пояс — <b>${p.zone}</b> (там сейчас ${p.time}). Просто напишите, что нужно.`,
      startAsk: (p) =>
        `👋 Здравствуйте${p.name ? `, ${p.name}` : ''}!${p.owner ? ' Теперь вы мой владелец.' : ' Я ваш личный помощник.'}\n\n🌍 Сначала один вопрос. <b>В каком вы часовом поясе?</b> Выберите ниже или напишите свой город (например, <code>Москва</code>).`,
      newNoMemory: 'Память разговоров сейчас недоступна, так что сбрасывать нечего.',
      newDone: '🆕 Начали новый разговор. Прежние сообщения этого чата я больше не учитываю. Что дальше?',
      settings: (p) =>
        `⚙️ <b>Настройки</b>

🌍 Часовой пояс: <b>${p.zone}</b>${p.isDefault ? ' (по умолчанию)' : ''} — там сейчас ${p.time}.
🛠 Показывать, что я делаю во время работы: <b>${p.progress ? 'вкл.' : 'выкл.'}</b>
🎙 Расшифровка голосовых: <b>${p.transcripts ? 'вкл.' : 'выкл.'}</b>
🗣 Язык: <b>${p.language}</b>`,
      progressOffButton: '🛠 Не показывать, что я делаю',
      progressOnButton: '🛠 Показывать, что я делаю',
      transcriptsOffButton: '🎙 Скрыть расшифровку голосовых',
      transcriptsOnButton: '🎙 Показывать расшифровку голосовых',
      askZone: '🌍 Выберите часовой пояс или напишите город либо название пояса (например, <code>Новосибирск</code>).',
      progressOnToast: 'Буду показывать, что делаю',
      progressOffToast: 'Буду присылать только ответ',
      progressOn: '🛠 Во время работы я буду показывать, что делаю (например, «Читаю страницу…»).',
      progressOff: '🛠 Во время работы я не буду показывать, что делаю, — вы получите только ответ.',
      transcriptsOnToast: 'Расшифровка голосовых включена',
      transcriptsOffToast: 'Расшифровка голосовых выключена',
      transcriptsOn: '🎙 Над ответом я буду показывать расшифровку ваших голосовых сообщений.',
      transcriptsOff: '🎙 Больше не буду показывать расшифровку ваших голосовых сообщений.',
      badZoneButton: 'Этот часовой пояс не подходит. Напишите лучше город.',
      zoneToast: (p) => `Часовой пояс: ${p.zone}`,
      zoneSet: (p) => `✅ Часовой пояс: <b>${p.zone}</b> (там сейчас ${p.time}). Теперь просто напишите, что нужно!`,
      zoneNotFound: (p) =>
        `Не удалось найти часовой пояс для «${p.text}». Попробуйте крупный город поблизости или название пояса, например <code>Europe/Moscow</code>, или нажмите кнопку.`,
      stopped: '⏹ Остановлено.',
      stopForbidden: (p) => `Остановить это может только ${p.who} или владелец.`,
      nothingRunning: 'Сейчас ничего не выполняется.',
      replyFinished: 'Этот ответ уже готов.',
      stopping: 'Останавливаю…',
    },
  },
);

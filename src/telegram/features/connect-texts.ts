import { defineMessages, plural } from '../../i18n/catalog.ts';

/** /connect and /connections texts (a user's secrets for services), English and Russian. */
export const connectTexts = defineMessages(
  {
    usage:
      'Send /connect <name> to add a token or key for a service, for example /connect todoist. ' +
      'A name is 1–32 characters: lowercase letters, digits, _ and -. I will then ask for the value.',
    badName: (p: { name: string }) =>
      `“${p.name}” can’t be a name: use 1–32 lowercase letters, digits, _ or -, for example /connect todoist.`,
    privateOnly:
      'For your safety, /connect and /connections work only in our private chat. Open a private chat with me and send it there.',
    keyMissing:
      'I can’t store secrets yet: the owner of this bot has to set SECRETS_KEY first. ' +
      'Owner: generate a key with “openssl rand -base64 32”, put it in SECRETS_KEY (.env) and restart me. Then send /connect again.',
    keyWrong:
      'I can’t open the secret store: SECRETS_KEY is not the key your secrets were saved with. ' +
      'The owner of this bot has to set the right key again (see “Secrets” in docs/configuration.md).',
    failed: 'Sorry, I couldn’t store that. Please try /connect again in a moment.',
    ask: (p: { name: string; minutes: number }) =>
      `Send the value for “${p.name}” as your next message. I’ll store it encrypted, delete your message, and never show it to the AI model.\n` +
      `This request expires in ${p.minutes} minutes. /cancel stops it.`,
    cancelButton: '✖️ Cancel',
    cancelled: (p: { name: string }) => `Cancelled: nothing was stored for “${p.name}”.`,
    expired: (p: { name: string }) =>
      `⌛ The request for “${p.name}” expired. Send /connect ${p.name} to try again (a message you send now is an ordinary message).`,
    sendAsText: (p: { name: string }) => `Please send the value for “${p.name}” as a plain text message, or /cancel.`,
    stored: (p: { name: string }) =>
      `🔐 Saved “${p.name}”. I deleted your message with it. /connections lists what you saved.`,
    replaced: (p: { name: string }) =>
      `🔐 Replaced the value of “${p.name}”. I deleted your message with it. /connections lists what you saved.`,
    notDeleted: 'I couldn’t delete your message with the value: please delete it yourself.',
    none: 'You have no saved connections. Add one here with /connect <name>, for example /connect todoist.',
    header: (p: { n: number }) => `Your connections (${p.n}). Values are stored encrypted and never shown:`,
    line: (p: { name: string; added: string; changed: string | undefined }) =>
      `• ${p.name}: added ${p.added}${p.changed ? `, changed ${p.changed}` : ''}`,
    deleteButton: (p: { name: string }) => `🗑 Delete ${p.name}`,
    confirmDelete: (p: { name: string }) =>
      `Delete “${p.name}”? Tools that use it stop working until you /connect ${p.name} again.`,
    yesDelete: '🗑 Delete',
    keep: 'Keep',
    deleted: (p: { name: string }) => `Deleted “${p.name}”.`,
    alreadyGone: (p: { name: string }) => `“${p.name}” was already deleted.`,
    outdated: 'This button is out of date. Send /connections for a fresh list.',
  },
  {
    ru: {
      usage:
        'Отправьте /connect <имя>, чтобы добавить токен или ключ сервиса, например /connect todoist. ' +
        'Имя — от 1 до 32 символов: строчные латинские буквы, цифры, _ и -. Затем я попрошу значение.',
      badName: (p) =>
        `«${p.name}» не подходит как имя: используйте от 1 до 32 строчных латинских букв, цифр, _ или -, например /connect todoist.`,
      privateOnly:
        'Ради безопасности /connect и /connections работают только в нашем личном чате. Откройте личный чат со мной и отправьте команду там.',
      keyMissing:
        'Я пока не могу хранить секреты: владелец бота должен сначала задать SECRETS_KEY. ' +
        'Владельцу: создайте ключ командой «openssl rand -base64 32», запишите его в SECRETS_KEY (.env) и перезапустите меня. Потом отправьте /connect ещё раз.',
      keyWrong:
        'Не могу открыть хранилище секретов: SECRETS_KEY — не тот ключ, которым сохранены ваши секреты. ' +
        'Владелец бота должен снова задать правильный ключ (см. «Secrets» в docs/configuration.md).',
      failed: 'Не получилось сохранить. Попробуйте /connect ещё раз чуть позже.',
      ask: (p) =>
        `Отправьте значение для «${p.name}» следующим сообщением. Я сохраню его в зашифрованном виде, удалю ваше сообщение и никогда не покажу его ИИ-модели.\n` +
        `Запрос действует ${plural('ru', p.minutes, { one: '{n} минуту', few: '{n} минуты', many: '{n} минут', other: '{n} минуты' })}. /cancel — отменить.`,
      cancelButton: '✖️ Отмена',
      cancelled: (p) => `Отменено: для «${p.name}» ничего не сохранено.`,
      expired: (p) =>
        `⌛ Запрос для «${p.name}» истёк. Отправьте /connect ${p.name}, чтобы попробовать снова (сообщение, отправленное сейчас, — обычное сообщение).`,
      sendAsText: (p) => `Пожалуйста, отправьте значение для «${p.name}» обычным текстовым сообщением или /cancel.`,
      stored: (p) =>
        `🔐 «${p.name}» сохранено. Я удалил ваше сообщение со значением. /connections — список сохранённого.`,
      replaced: (p) =>
        `🔐 Значение «${p.name}» заменено. Я удалил ваше сообщение со значением. /connections — список сохранённого.`,
      notDeleted: 'Не получилось удалить ваше сообщение со значением: пожалуйста, удалите его сами.',
      none: 'У вас нет сохранённых подключений. Добавьте здесь: /connect <имя>, например /connect todoist.',
      header: (p) => `Ваши подключения (${p.n}). Значения хранятся в зашифрованном виде и никогда не показываются:`,
      line: (p) => `• ${p.name}: добавлено ${p.added}${p.changed ? `, изменено ${p.changed}` : ''}`,
      deleteButton: (p) => `🗑 Удалить ${p.name}`,
      confirmDelete: (p) =>
        `Удалить «${p.name}»? Инструменты, которые его используют, перестанут работать, пока вы снова не отправите /connect ${p.name}.`,
      yesDelete: '🗑 Удалить',
      keep: 'Оставить',
      deleted: (p) => `«${p.name}» удалено.`,
      alreadyGone: (p) => `«${p.name}» уже удалено.`,
      outdated: 'Эта кнопка устарела. Отправьте /connections, чтобы получить свежий список.',
    },
  },
);

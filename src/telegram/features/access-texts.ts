import { defineMessages, plural } from '../../i18n/catalog.ts';
import type { AccessState } from '../../users/users.ts';

type Decided = 'approved' | 'denied' | 'revoked' | 'newer' | 'closed';

/**
 * Texts of access control: notices to strangers (in their language), the owner's prompts, /users and its buttons
 * (in the owner's language), and the decision told to the user (in theirs). Names arrive as plain text.
 */
export const accessTexts = defineMessages(
  {
    privateNotice: 'This is a private assistant, so I can only help the people its owner has approved. Sorry!',
    waitingNotice:
      "This is a private assistant. I've asked its owner for access. I'll message you here as soon as they decide.",
    stillWaiting: "You're still waiting for the owner's approval. I'll message you as soon as they decide.",
    notSetUp: "Hi! I'm not set up yet. If you run this bot, send /start followed by the pairing code from its log.",
    needCode:
      "Hi! I'm not set up yet. To become my owner, send /start followed by the one-time pairing code printed in the bot's log at start-up (look for “pairing code”), for example: /start K7QX3-M9PRT",
    wrongCode:
      "That isn't the current pairing code. Copy it again from the bot's log (a new code is made at every restart) and send /start followed by the code.",
    claimed: "🎉 You're the owner of this assistant now. Send /start to set your time zone, or just ask me anything.",
    usersPrivateOnly: 'For privacy, /users only works in a private chat with me.',
    groupWaitingNew: (p: { name: string | undefined; owner: string | undefined }) =>
      `👋 Hi ${p.name ?? 'there'}! I only help people my owner has approved, so I've asked ${p.owner ?? 'them'} to let you in. To hear their answer, open a private chat with me and tap Start.`,
    groupWaitingAgain: (p: { name: string | undefined; owner: string | undefined }) =>
      `Hi ${p.name ?? 'there'}! ${p.owner ?? 'My owner'} hasn't decided on your access yet. To hear their answer, open a private chat with me and tap Start.`,
    openPrivateChat: '💬 Open a private chat',
    aGroup: 'a group',
    earlierExpired: (p: { name: string }) => `⌛ The earlier request from ${p.name} expired; a new one was sent.`,
    prompt: (p: { name: string; id: number; where: string | undefined; hours: number }) =>
      `👤 ${p.name} [id ${p.id}] would like to use your assistant${p.where ? ` in "${p.where}"` : ''}. Let them in? (This request expires ${p.hours >= 1 ? plural('en', p.hours, { one: 'in {n} hour', other: 'in {n} hours' }) : 'in less than an hour'}.)`,
    approve: '✅ Approve',
    deny: '⛔ Deny',
    pendingIntro: (p: { n: number }) =>
      p.n === 1 ? '👤 One person asks to use your assistant:' : `👤 ${p.n} people ask to use your assistant:`,
    revokeButton: (p: { name: string }) => `🚫 Revoke ${p.name}`,
    approveButton: (p: { name: string }) => `✅ Approve ${p.name}`,
    letBackButton: (p: { name: string }) => `✅ Let ${p.name} back in`,
    modeAllowlist: 'Access comes from ALLOWED_USER_IDS; revoking here overrides it.',
    modeOwner:
      'New users ask you for access; requests expire after 24 hours. Denied and revoked users stay out until you let them back in here.',
    usersTitle: (p: { n: number }) => `Users (${p.n}):`,
    label: (p: { state: AccessState | 'expired' }) =>
      ({
        owner: '👑 owner',
        allowed: '✅ allowed',
        expired: '⌛ request expired',
        pending: '⏳ waiting',
        denied: '⛔ denied',
        revoked: '🚫 revoked',
        unknown: '❔',
      })[p.state],
    stateWord: (p: { state: AccessState }) =>
      ({
        owner: 'the owner',
        allowed: 'allowed',
        pending: 'waiting for your decision',
        denied: 'denied',
        revoked: 'revoked',
        unknown: 'unknown to me',
      })[p.state],
    onlyOwnerChanges: 'Only the owner can change access.',
    olderVersion: 'This button is from an older version — use /users to change access.',
    notYourself: "You can't change your own access.",
    userN: (p: { id: number }) => `user ${p.id}`,
    unknownUserList: 'I don’t know this user any more. The list is up to date now.',
    alreadyDone: (p: { name: string; state: string }) =>
      `Already done: ${p.name} is ${p.state}. The list is up to date now.`,
    changedMeanwhile: (p: { name: string; state: string }) =>
      `${p.name}'s access changed meanwhile: ${p.state} now. The list is up to date now.`,
    unknownUser: 'I don’t know this user any more — use /users.',
    newerWaiting: 'This button is from an older request; a newer one is waiting — use /users to decide.',
    alreadyDecided: (p: { how: Decided }) =>
      `This request was already decided (${{ approved: 'approved', denied: 'denied', revoked: 'revoked', newer: 'a newer request is waiting', closed: 'closed' }[p.how]}) — use /users to change it.`,
    expired: 'This request expired after 24 hours — use /users to let them in.',
    approved: (p: { name: string }) => `✅ Approved ${p.name}.`,
    denied: (p: { name: string }) => `⛔ Denied ${p.name}.`,
    revoked: (p: { name: string }) => `🚫 Revoked access for ${p.name}.`,
    youreIn:
      "🎉 You're in! The owner approved your access. Send /start to set your time zone, or just ask me anything.",
    declined: 'Sorry, the owner declined your access request.',
    revokedNote: 'Your access to this assistant was revoked by its owner.',
    onlyOwnerManages: 'Only the owner can manage users.',
  },
  {
    ru: {
      privateNotice: 'Это личный помощник: я помогаю только тем, кого одобрил мой владелец. Простите!',
      waitingNotice: 'Это личный помощник. Запрос на доступ отправлен владельцу — я напишу сюда, как только он решит.',
      stillWaiting: 'Владелец ещё не ответил на ваш запрос. Я напишу вам, как только он решит.',
      notSetUp: 'Здравствуйте! Бот ещё не настроен. Если это ваш бот, отправьте /start и код привязки из его журнала.',
      needCode:
        'Здравствуйте! Бот ещё не настроен. Чтобы стать моим владельцем, отправьте /start и одноразовый код привязки из журнала бота при запуске (ищите «pairing code»), например: /start K7QX3-M9PRT',
      wrongCode:
        'Это не текущий код привязки. Скопируйте его заново из журнала бота (при каждом перезапуске код новый) и отправьте /start с этим кодом.',
      claimed:
        '🎉 Теперь вы владелец этого помощника. Отправьте /start, чтобы указать часовой пояс, или просто задайте вопрос.',
      usersPrivateOnly: 'Ради приватности /users работает только в личном чате со мной.',
      groupWaitingNew: (p) =>
        `👋 Здравствуйте${p.name ? `, ${p.name}` : ''}! Я помогаю только тем, кого одобрил мой владелец, поэтому запрос на доступ отправлен владельцу${p.owner ? ` (${p.owner})` : ''}. Чтобы узнать ответ, откройте личный чат со мной и нажмите «Старт».`,
      groupWaitingAgain: (p) =>
        `Здравствуйте${p.name ? `, ${p.name}` : ''}! ${p.owner ?? 'Мой владелец'} ещё не решил насчёт вашего доступа. Чтобы узнать ответ, откройте личный чат со мной и нажмите «Старт».`,
      openPrivateChat: '💬 Открыть личный чат',
      aGroup: 'группе',
      earlierExpired: (p) => `⌛ Прежний запрос от ${p.name} истёк; отправлен новый.`,
      prompt: (p) =>
        `👤 ${p.name} [id ${p.id}] хочет пользоваться вашим помощником${p.where ? ` (из «${p.where}»)` : ''}. Пустить? (Запрос истечёт ${p.hours >= 1 ? plural('ru', p.hours, { one: 'через {n} час', few: 'через {n} часа', many: 'через {n} часов', other: 'через {n} часа' }) : 'меньше чем через час'}.)`,
      approve: '✅ Одобрить',
      deny: '⛔ Отклонить',
      pendingIntro: (p) =>
        p.n === 1
          ? '👤 Один человек просит доступ к вашему помощнику:'
          : `👤 ${plural('ru', p.n, { one: '{n} человек просит', few: '{n} человека просят', many: '{n} человек просят', other: '{n} человека просят' })} доступ к вашему помощнику:`,
      revokeButton: (p) => `🚫 Закрыть доступ: ${p.name}`,
      approveButton: (p) => `✅ Одобрить: ${p.name}`,
      letBackButton: (p) => `✅ Вернуть доступ: ${p.name}`,
      modeAllowlist: 'Доступ задаёт ALLOWED_USER_IDS; закрытый здесь доступ важнее списка.',
      modeOwner:
        'Новые пользователи просят у вас доступ; запрос действует 24 часа. Отклонённые и лишённые доступа не смогут войти, пока вы не вернёте их здесь.',
      usersTitle: (p) => `Пользователи (${p.n}):`,
      label: (p) =>
        ({
          owner: '👑 владелец',
          allowed: '✅ есть доступ',
          expired: '⌛ запрос истёк',
          pending: '⏳ ждёт',
          denied: '⛔ отклонён',
          revoked: '🚫 доступ закрыт',
          unknown: '❔',
        })[p.state],
      stateWord: (p) =>
        ({
          owner: 'владелец',
          allowed: 'с доступом',
          pending: 'ждёт вашего решения',
          denied: 'отклонён',
          revoked: 'без доступа',
          unknown: 'мне неизвестен',
        })[p.state],
      onlyOwnerChanges: 'Менять доступ может только владелец.',
      olderVersion: 'Эта кнопка из старой версии — измените доступ через /users.',
      notYourself: 'Свой собственный доступ менять нельзя.',
      userN: (p) => `пользователь ${p.id}`,
      unknownUserList: 'Этого пользователя я больше не знаю. Список обновлён.',
      alreadyDone: (p) => `Уже сделано: ${p.name} — ${p.state}. Список обновлён.`,
      changedMeanwhile: (p) => `Доступ ${p.name} тем временем изменился: теперь ${p.state}. Список обновлён.`,
      unknownUser: 'Этого пользователя я больше не знаю — откройте /users.',
      newerWaiting: 'Эта кнопка от старого запроса; ждёт новый — решите через /users.',
      alreadyDecided: (p) =>
        `По этому запросу уже решено (${{ approved: 'одобрен', denied: 'отклонён', revoked: 'доступ закрыт', newer: 'ждёт новый запрос', closed: 'закрыт' }[p.how]}) — изменить можно через /users.`,
      expired: 'Запрос истёк через 24 часа — пустить можно через /users.',
      approved: (p) => `✅ ${p.name}: доступ одобрен.`,
      denied: (p) => `⛔ ${p.name}: запрос отклонён.`,
      revoked: (p) => `🚫 ${p.name}: доступ закрыт.`,
      youreIn:
        '🎉 Готово! Владелец одобрил ваш доступ. Отправьте /start, чтобы указать часовой пояс, или просто задайте вопрос.',
      declined: 'Простите, владелец отклонил ваш запрос на доступ.',
      revokedNote: 'Владелец закрыл вам доступ к этому помощнику.',
      onlyOwnerManages: 'Управлять пользователями может только владелец.',
    },
  },
);

/** The texts of /memory, /forget, /export and /wipe, English and Russian (fact texts themselves are not translated). */
import { defineMessages, plural } from '../../i18n/catalog.ts';

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const ru = {
  message: (n: number) =>
    plural('ru', n, { one: '{n} сообщение', few: '{n} сообщения', many: '{n} сообщений', other: '{n} сообщения' }),
  fact: (n: number) => plural('ru', n, { one: '{n} факт', few: '{n} факта', many: '{n} фактов', other: '{n} факта' }),
  schedule: (n: number) =>
    plural('ru', n, { one: '{n} расписание', few: '{n} расписания', many: '{n} расписаний', other: '{n} расписания' }),
  request: (n: number) =>
    plural('ru', n, {
      one: '{n} ожидающий запрос',
      few: '{n} ожидающих запроса',
      many: '{n} ожидающих запросов',
      other: '{n} ожидающих запроса',
    }),
};

export const memoryTexts = defineMessages(
  {
    empty:
      'I don’t remember anything about you in this chat yet.\nTell me things like "remember that I’m vegetarian" and I’ll keep them.',
    header: (p: { total: number }) => `🧠 What I remember about you here (${p.total}):`,
    forgottenMark: 'forgotten',
    forgottenForGood: 'forgotten for good',
    forgetButton: (p: { n: number }) => `🗑 Forget ${p.n}`,
    forgottenButton: (p: { n: number }) => `✓ ${p.n} forgotten`,
    undoButton: (p: { n: number }) => `↩️ Undo ${p.n}`,
    undoAllButton: '↩️ Undo',
    undoHint: 'Changed your mind? Tap ↩️ Undo within 5 minutes.',
    forgetHint: 'Tap 🗑 Forget and a number to make me forget that one.',
    forgottenOne: (p: { text: string }) => `🗑 Forgotten: ${p.text}`,
    forgottenMany: (p: { n: number }) => `🗑 Forgotten (${p.n}):`,
    forgetHowTo: 'Tell me what to forget, e.g. /forget my address. Or send /memory to pick from a list.',
    forgetNoMatch: (p: { phrase: string }) =>
      `I have nothing saved that matches “${p.phrase}”. Send /memory to see everything I remember.`,
    forgetAlready: 'Those were already forgotten. Send /memory to see what I remember.',
    exportPrivate: 'For your privacy, send /export to me in a private chat.',
    exportCaption: (p: { facts: number; messages: number; schedules?: number; requests?: number }) =>
      `Your data: ${p.facts} facts, ${p.messages} messages${p.schedules === undefined ? '' : `, ${p.schedules} schedules, ${p.requests ?? 0} paused requests`}.`,
    exportFailed: 'I couldn’t send the file just now. Please try /export again in a minute.',
    wipePrivate: 'For your privacy, send /wipe to me in a private chat.',
    wipeConfirm:
      'Erase everything I store about you — messages, facts, conversation history, schedules, pending requests and settings, in every chat? Your access to the bot stays. This can’t be undone. (Tip: /export first.)',
    wipeYes: '⚠️ Yes, erase everything',
    wipeCancel: 'Cancel',
    notYourFact: 'Only the person this is about can change it. Send /memory to see yours.',
    restored: 'Brought back. I remember it again.',
    alreadyRestored: 'Already brought back.',
    tooLate: 'Too late to undo — it’s forgotten for good.',
    alreadyDeletedUndo: 'Already deleted. Tap ↩️ Undo to bring it back.',
    alreadyDeleted: 'Already deleted.',
    itsBack: 'It’s back in my memory.',
    forgottenTapUndo: 'Forgotten. Tap ↩️ Undo if you didn’t mean it.',
    notYourUndo: 'Only the person who asked me to forget this can undo it.',
    broughtBack: 'Brought back.',
    alreadyUndone: 'Already undone.',
    undoneHeader: '↩️ Undone. I remember again:',
    staleButton: 'This button is out of date. Send /memory for a fresh list.',
    notYourList: 'This list belongs to someone else. Send /memory to see yours.',
    confirmationUsed: 'This confirmation has expired or was already used. Send the command again.',
    confirmationOther: 'This confirmation expired or belongs to someone else. Send /wipe again.',
    wipeCancelled: 'Cancelled — nothing was deleted.',
    erasing: 'Erasing…',
    wipeFailed: 'Something went wrong while erasing, so some of your data may still be here. Please send /wipe again.',
    wipeDone: (p: { messages: number; facts: number; schedules: number; requests: number }) => {
      const counts = [count(p.messages, 'message'), count(p.facts, 'fact')];
      if (p.schedules > 0) counts.push(count(p.schedules, 'schedule'));
      if (p.requests > 0) counts.push(count(p.requests, 'pending request'));
      return `Done. I erased ${counts.join(', ')} and everything else I kept about you. I’m starting fresh with you.`;
    },
    wipeDoneMemory: (p: { messages: number; facts: number }) =>
      `Done. I erased ${p.messages} messages and ${p.facts} facts. I’m starting fresh with you.`,
    cancelled: 'Cancelled.',
    done: 'Done.',
    failed: 'Something went wrong. Please try again.',
  },
  {
    ru: {
      empty:
        'В этом чате я пока ничего о вас не помню.\nСкажите, например: «запомни, что я вегетарианец», и я это сохраню.',
      header: (p) => `🧠 Что я помню о вас здесь (${p.total}):`,
      forgottenMark: 'забыто',
      forgottenForGood: 'забыто навсегда',
      forgetButton: (p) => `🗑 Забыть ${p.n}`,
      forgottenButton: (p) => `✓ ${p.n} забыто`,
      undoButton: (p) => `↩️ Вернуть ${p.n}`,
      undoAllButton: '↩️ Вернуть',
      undoHint: 'Передумали? Нажмите ↩️ Вернуть в течение 5 минут.',
      forgetHint: 'Нажмите 🗑 Забыть с номером, и я забуду этот пункт.',
      forgottenOne: (p) => `🗑 Забыто: ${p.text}`,
      forgottenMany: (p) => `🗑 Забыто (${p.n}):`,
      forgetHowTo: 'Напишите, что забыть, например: /forget мой адрес. Или отправьте /memory и выберите из списка.',
      forgetNoMatch: (p) =>
        `Я не нашёл ничего похожего на «${p.phrase}». Отправьте /memory, чтобы увидеть всё, что я помню.`,
      forgetAlready: 'Это уже забыто. Отправьте /memory, чтобы посмотреть, что я помню.',
      exportPrivate: 'Ради вашей приватности отправьте /export мне в личном чате.',
      exportCaption: (p) =>
        `Ваши данные: ${ru.fact(p.facts)}, ${ru.message(p.messages)}${p.schedules === undefined ? '' : `, ${ru.schedule(p.schedules)}, ${ru.request(p.requests ?? 0)}`}.`,
      exportFailed: 'Не получилось отправить файл. Попробуйте /export ещё раз через минуту.',
      wipePrivate: 'Ради вашей приватности отправьте /wipe мне в личном чате.',
      wipeConfirm:
        'Стереть всё, что я храню о вас: сообщения, факты, историю разговоров, расписания, ожидающие запросы и настройки во всех чатах? Доступ к боту сохранится. Это нельзя отменить. (Совет: сначала /export.)',
      wipeYes: '⚠️ Да, стереть всё',
      wipeCancel: 'Отмена',
      notYourFact: 'Изменить это может только тот, о ком это. Отправьте /memory, чтобы увидеть своё.',
      restored: 'Вернул. Я снова это помню.',
      alreadyRestored: 'Уже возвращено.',
      tooLate: 'Вернуть уже нельзя — забыто навсегда.',
      alreadyDeletedUndo: 'Уже удалено. Нажмите ↩️ Вернуть, чтобы восстановить.',
      alreadyDeleted: 'Уже удалено.',
      itsBack: 'Это снова в моей памяти.',
      forgottenTapUndo: 'Забыто. Нажмите ↩️ Вернуть, если передумали.',
      notYourUndo: 'Вернуть это может только тот, кто просил забыть.',
      broughtBack: 'Вернул.',
      alreadyUndone: 'Уже отменено.',
      undoneHeader: '↩️ Отменено. Я снова помню:',
      staleButton: 'Эта кнопка устарела. Отправьте /memory, чтобы получить новый список.',
      notYourList: 'Это чужой список. Отправьте /memory, чтобы увидеть свой.',
      confirmationUsed: 'Это подтверждение устарело или уже использовано. Отправьте команду ещё раз.',
      confirmationOther: 'Это подтверждение устарело или принадлежит другому. Отправьте /wipe ещё раз.',
      wipeCancelled: 'Отменено — ничего не удалено.',
      erasing: 'Стираю…',
      wipeFailed: 'При стирании что-то пошло не так, часть данных могла остаться. Отправьте /wipe ещё раз.',
      wipeDone: (p) => {
        const counts = [ru.message(p.messages), ru.fact(p.facts)];
        if (p.schedules > 0) counts.push(ru.schedule(p.schedules));
        if (p.requests > 0) counts.push(ru.request(p.requests));
        return `Готово. Я стёр ${counts.join(', ')} и всё остальное, что хранил о вас. Начинаем с чистого листа.`;
      },
      wipeDoneMemory: (p) =>
        `Готово. Я стёр ${ru.message(p.messages)} и ${ru.fact(p.facts)}. Начинаем с чистого листа.`,
      cancelled: 'Отменено.',
      done: 'Готово.',
      failed: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
  },
);

/** The texts of one language. */
export type MemoryTexts = ReturnType<typeof memoryTexts>;

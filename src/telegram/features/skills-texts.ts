import { defineMessages } from '../../i18n/catalog.ts';

/** /skills in the chat: the list, a skill's card, the guided `/skills new` and edit, and every refusal. */
export const skillsTexts = defineMessages(
  {
    listTitle: (p: { group: boolean }) => (p.group ? '🧩 Your skills in this group' : '🧩 Your skills'),
    listEmpty:
      'You have no skills yet. A skill is a procedure you teach me once and run by name, e.g. “weekly review”.\n\nTap “New skill”, or after I do something for you say “save that as a skill called …”.',
    listHint: 'Tap one to see, run, edit or delete it. Say “run <name>” to run one any time.',
    newButton: '➕ New skill',
    runButton: '▶️ Run',
    editButton: '✏️ Edit',
    deleteButton: '🗑 Delete',
    backButton: '« All skills',
    confirmDelete: (p: { name: string }) => `Delete the skill “${p.name}”? Jobs that run it will stop working.`,
    yesDelete: '🗑 Yes, delete',
    keep: 'Keep',
    deleted: (p: { name: string }) => `🗑 Deleted the skill “${p.name}”.`,
    deletedToast: 'Deleted',
    keptToast: 'Kept',
    card: (p: { name: string; description: string; instructions: string }) =>
      `🧩 ${p.name}\n${p.description}\n\nSteps:\n${p.instructions}`,
    gone: 'That skill no longer exists (deleted, or not yours). Send /skills to see your skills.',
    buttonInvalid: 'This button is no longer valid. Send /skills to see your skills.',
    running: (p: { name: string }) => `▶️ Running “${p.name}”…`,
    askName: '🧩 New skill. What should it be called? (for example: weekly review)\n\nSend /skills cancel to stop.',
    askDescription: (p: { name: string }) =>
      `“${p.name}”: in one sentence, what is it for? (I use this to find it when you ask in your own words.)`,
    askInstructions: (p: { name: string }) =>
      `Now the steps: what should I do when you run “${p.name}”? Write them as you would tell me.`,
    editDescription: (p: { name: string; current: string }) =>
      `✏️ Editing “${p.name}”. Send a new description, or “-” to keep it:\n${p.current}`,
    editInstructions: (p: { name: string; current: string }) =>
      `Send the new steps, or “-” to keep them:\n${p.current}`,
    invalid: (p: { error: string }) => `That doesn't work: ${p.error}. Please send it again.`,
    nameTaken: (p: { name: string }) =>
      `You already have a skill called “${p.name}”. Send another name, or edit that one from /skills.`,
    full: (p: { max: number }) => `You already have ${p.max} skills here, the maximum. Delete some in /skills first.`,
    saved: (p: { name: string; updated: boolean }) =>
      p.updated
        ? `✅ Saved the changes to “${p.name}”.`
        : `✅ Saved the skill “${p.name}”. Say “run ${p.name}” any time, or schedule it (“run ${p.name} every Monday at 9”).`,
    cancelled: 'Stopped. Nothing was saved.',
    nothingToCancel: 'There is no skill being written right now.',
    expired: 'That took a while, so I stopped waiting for the skill. Send /skills new to start again.',
    notYours: 'Only the person who opened this can use these buttons. Send /skills to see your own skills.',
  },
  {
    ru: {
      listTitle: (p) => (p.group ? '🧩 Ваши навыки в этой группе' : '🧩 Ваши навыки'),
      listEmpty:
        'Навыков пока нет. Навык — это порядок действий, которому вы учите меня один раз и потом запускаете по названию, например «еженедельный обзор».\n\nНажмите «Новый навык» или, когда я что-то для вас сделаю, скажите «сохрани это как навык …».',
      listHint:
        'Нажмите на навык, чтобы посмотреть, запустить, изменить или удалить его. Запустить можно и словами: «запусти <название>».',
      newButton: '➕ Новый навык',
      runButton: '▶️ Запустить',
      editButton: '✏️ Изменить',
      deleteButton: '🗑 Удалить',
      backButton: '« Все навыки',
      confirmDelete: (p) =>
        `Удалить навык «${p.name}»? Задачи по расписанию, которые его запускают, перестанут работать.`,
      yesDelete: '🗑 Да, удалить',
      keep: 'Оставить',
      deleted: (p) => `🗑 Навык «${p.name}» удалён.`,
      deletedToast: 'Удалено',
      keptToast: 'Оставлено',
      card: (p) => `🧩 ${p.name}\n${p.description}\n\nШаги:\n${p.instructions}`,
      gone: 'Этого навыка больше нет (удалён или не ваш). Отправьте /skills, чтобы увидеть свои навыки.',
      buttonInvalid: 'Эта кнопка больше не действует. Отправьте /skills, чтобы увидеть свои навыки.',
      running: (p) => `▶️ Запускаю «${p.name}»…`,
      askName:
        '🧩 Новый навык. Как его назвать? (например: еженедельный обзор)\n\nЧтобы остановиться, отправьте /skills cancel.',
      askDescription: (p) =>
        `«${p.name}»: одним предложением — для чего он? (По этому описанию я найду навык, когда вы попросите своими словами.)`,
      askInstructions: (p) =>
        `Теперь шаги: что мне делать, когда вы запускаете «${p.name}»? Напишите так, как сказали бы мне.`,
      editDescription: (p) => `✏️ Меняем «${p.name}». Пришлите новое описание или «-», чтобы оставить:\n${p.current}`,
      editInstructions: (p) => `Пришлите новые шаги или «-», чтобы оставить:\n${p.current}`,
      invalid: (p) => `Так не получится: ${p.error}. Пришлите ещё раз.`,
      nameTaken: (p) => `Навык «${p.name}» у вас уже есть. Пришлите другое название или измените тот навык в /skills.`,
      full: (p) => `Здесь у вас уже ${p.max} навыков — это максимум. Сначала удалите лишние в /skills.`,
      saved: (p) =>
        p.updated
          ? `✅ Изменения в «${p.name}» сохранены.`
          : `✅ Навык «${p.name}» сохранён. Скажите «запусти ${p.name}» когда угодно или поставьте его в расписание («запускай ${p.name} по понедельникам в 9»).`,
      cancelled: 'Остановились. Ничего не сохранено.',
      nothingToCancel: 'Сейчас никакой навык не создаётся.',
      expired: 'Прошло много времени, и я перестал ждать. Отправьте /skills new, чтобы начать заново.',
      notYours:
        'Этими кнопками может пользоваться только тот, кто их открыл. Отправьте /skills, чтобы увидеть свои навыки.',
    },
  },
);

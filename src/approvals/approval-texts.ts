import { defineMessages, plural } from '../i18n/catalog.ts';

/**
 * The approvals' own texts (prompts, buttons, audit lines, callback answers, /pending), English and Russian.
 * `time` parameters are already formatted for the user; an empty `time` means "unknown" and is left out.
 * What the model reads (resolutions) stays English and is not here.
 */

const at = (time: string) => (time ? ` at ${time}` : '');
const ruBy = (by: string, time: string) => (time ? `${by}, ${time}` : by);

export const approvalTexts = defineMessages(
  {
    // The open prompt
    approvalNeeded: '🔐 Approval needed',
    fallbackTitle: 'Shall I go ahead with this?',
    fallbackYes: 'Yes, do it',
    fallbackNo: 'No',
    defaultQuestion: 'The assistant has a question for you.',
    policyUnchecked: "I couldn't check whether this needs approval, so I'm asking.",
    alwaysAllowScope: (p: { target: string; name: string }) =>
      `♾️ “Always allow” lets this happen for ${p.target} without asking ${p.name} again, until revoked in /permissions.`,
    questionFooter: (p: { options: boolean; until: string; fallback: string }) =>
      `${p.options ? 'Tap an option or reply with text' : 'Reply with your answer'} (until ${p.until}; then I'll continue with “${p.fallback}”).`,
    confirmFooterGroup: (p: { name: string }) => `For ${p.name} to decide.`,
    formalFooter: (p: { name?: string; until: string; approve: boolean }) =>
      `${p.name ? `For ${p.name} to decide by` : 'Please decide by'} ${p.until} — otherwise it is ${p.approve ? 'approved' : 'denied'} automatically.`,
    // The taint rule: why a call after untrusted text is asked about
    followsText: (p: { sources: string }) =>
      `⚠️ This request follows text from ${p.sources}. I don't take instructions from there, so please check it's what you want.`,
    taintFile: 'a file you sent',
    taintFileNamed: (p: { name: string }) => `the file “${p.name}”`,
    taintMessage: 'a forwarded or quoted message',
    taintGroup: "other members' messages in this chat",
    taintEarlier: 'something read earlier in this request',
    taintSearch: 'a web search',
    taintMore: (p: { n: number }) => `and ${p.n} more`,
    // URLs and arguments
    notValidUrl: 'not a valid URL:',
    httpNotEncrypted: 'http, not encrypted',
    urlHasCredentials: 'contains a user name or password',
    urlShortened: (p: { length: number; shown: number }) =>
      `✂️ Shortened to fit one message: this URL is ${p.length.toLocaleString('en-US')} characters long; about ${p.shown.toLocaleString('en-US')} are shown.`,
    noArguments: '(no arguments)',
    valueShortened: (p: { length: number }) => `[shortened: ${p.length.toLocaleString('en-US')} characters in all]`,
    moreArguments: (p: { n: number }) => `… and ${p.n} more argument${p.n === 1 ? '' : 's'} not shown`,
    // Details
    details: 'Details',
    detailsAction: 'Action:',
    detailsByAgent: (p: { agent: string }) => ` (by the ${p.agent} agent)`,
    detailsRequestId: 'Request id:',
    detailsWhy: 'Why I ask:',
    // Buttons
    approve: '✅ Approve',
    deny: '❌ Deny',
    alwaysAllow: (p: { target: string }) => `♾️ Always allow ${p.target}`,
    // Audit lines of closed prompts
    someone: 'someone',
    approvedAlwaysFor: (p: { by: string; time: string; name: string; target: string }) =>
      `♾️ Approved by ${p.by}${at(p.time)}; from now on this is always allowed for ${p.name} on ${p.target}`,
    alwaysAllowedBy: (p: { by: string; time: string }) => `♾️ Always allowed by ${p.by}${at(p.time)}`,
    confirmedBy: (p: { yes: string; by: string; time: string }) => `✅ ${p.yes} — confirmed by ${p.by}${at(p.time)}`,
    approvedBy: (p: { by: string; time: string }) => `✅ Approved by ${p.by}${at(p.time)}`,
    confirmDeniedBy: (p: { no: string; by: string; time: string }) =>
      `✖️ ${p.no} — nothing was done (${p.by}${at(p.time)})`,
    deniedBy: (p: { by: string; time: string }) => `❌ Denied by ${p.by}${at(p.time)}`,
    answeredBy: (p: { by: string; time: string; answer: string }) =>
      `💬 Answered by ${p.by}${at(p.time)}: “${p.answer}”`,
    questionExpired: (p: { fallback: string }) => `⌛ Expired — continued with “${p.fallback}”`,
    confirmExpired: '⌛ No answer in time — nothing was done',
    expiredApproved: '⌛ Expired — approved automatically',
    expiredDenied: '⌛ Expired — denied',
    waiting: (p: { until: string }) => `⏳ Waiting (until ${p.until})`,
    // Callback answers
    alwaysAllowedNotice: (p: { name: string; target: string }) =>
      `Approved — from now on this is always allowed for ${p.name} on ${p.target}. Revoke it in /permissions.`,
    questionExpiredNotice: (p: { time: string; fallback: string }) =>
      `This question expired at ${p.time}; I continued with “${p.fallback}”.`,
    confirmExpiredNotice: (p: { time: string }) =>
      `This expired at ${p.time}, so nothing was done. Ask me again if you still want it.`,
    formalExpiredNotice: (p: { time: string; approve: boolean }) =>
      `This request expired at ${p.time} and was ${p.approve ? 'approved' : 'denied'} automatically.`,
    alreadyDecided: (p: { line: string }) => `Already decided: ${p.line}.`,
    approvedToast: 'Approved ✅',
    deniedToast: 'Denied ❌',
    confirmedToast: (p: { yes: string }) => `${p.yes} ✅`,
    confirmDeniedToast: (p: { no: string }) => `${p.no} — nothing was done.`,
    alwaysNotOffered: "“Always allow” isn't offered for this request. Tap Approve or Deny.",
    optionUnavailable: "That option isn't available. Tap one of the buttons or reply with text.",
    gotIt: (p: { answer: string }) => `Got it: ${p.answer}`,
    unknownRequest: "This request isn't available any more. Send /pending to see what's still open.",
    invalidButton: "This button isn't valid any more. Send /pending to see what's still open.",
    onlyRequester: (p: { name: string }) => `Only ${p.name} can decide this.`,
    detailsAdded: 'Details added below.',
    clickFailed: "Sorry, I couldn't record that. Please try again in a moment.",
    // /pending
    nothingWaiting: 'Nothing is waiting for your decision. ✨',
    waitingCount: (p: { n: number }) =>
      p.n === 1 ? 'One request is waiting for you:' : `${p.n} requests are waiting for you:`,
    // After a decision
    resumeFailed: "Sorry — I couldn't finish that request after your decision. Please ask me again.",
    done: 'Done.',
    stoppedEarly: 'I stopped before finishing. Please ask me again.',
    interrupted:
      "I was restarted while finishing a request you'd already decided on, so I'm not sure it completed. Please check and ask me again if needed.",
  },
  {
    ru: {
      approvalNeeded: '🔐 Нужно ваше одобрение',
      fallbackTitle: 'Выполнить это действие?',
      fallbackYes: 'Да, выполнить',
      fallbackNo: 'Нет',
      defaultQuestion: 'У ассистента есть к вам вопрос.',
      policyUnchecked: 'Не удалось проверить, нужно ли одобрение, поэтому спрашиваю.',
      alwaysAllowScope: (p) =>
        `♾️ «Всегда разрешать» позволит делать это для ${p.target}, не спрашивая ${p.name} снова, пока разрешение не отозвано в /permissions.`,
      questionFooter: (p) =>
        `${p.options ? 'Выберите вариант или ответьте текстом' : 'Ответьте сообщением'} (до ${p.until}; потом продолжу с ответом «${p.fallback}»).`,
      confirmFooterGroup: (p) => `Решает ${p.name}.`,
      formalFooter: (p) =>
        `${p.name ? `Решает ${p.name}, до` : 'Решите, пожалуйста, до'} ${p.until} — иначе запрос будет ${p.approve ? 'одобрен' : 'отклонён'} автоматически.`,
      followsText: (p) =>
        `⚠️ Этот запрос следует за текстом из ${p.sources}. Оттуда я указаний не принимаю, поэтому проверьте, что вы этого хотите.`,
      taintFile: 'присланного вами файла',
      taintFileNamed: (p) => `файла «${p.name}»`,
      taintMessage: 'пересланного или процитированного сообщения',
      taintGroup: 'сообщений других участников чата',
      taintEarlier: 'прочитанного ранее в этом запросе',
      taintSearch: 'веб-поиска',
      taintMore: (p) => `и ещё ${p.n}`,
      notValidUrl: 'недопустимый адрес:',
      httpNotEncrypted: 'http, без шифрования',
      urlHasCredentials: 'содержит имя пользователя или пароль',
      urlShortened: (p) =>
        `✂️ Сокращено, чтобы уместиться в одно сообщение: в адресе ${plural('ru', p.length, { one: '{n} символ', few: '{n} символа', many: '{n} символов', other: '{n} символа' })}, показано около ${p.shown}.`,
      noArguments: '(без аргументов)',
      valueShortened: (p) =>
        `[сокращено: всего ${plural('ru', p.length, { one: '{n} символ', few: '{n} символа', many: '{n} символов', other: '{n} символа' })}]`,
      moreArguments: (p) =>
        `… и ещё ${plural('ru', p.n, { one: '{n} аргумент', few: '{n} аргумента', many: '{n} аргументов', other: '{n} аргумента' })} не показано`,
      details: 'Подробнее',
      detailsAction: 'Действие:',
      detailsByAgent: (p) => ` (агент ${p.agent})`,
      detailsRequestId: 'Номер запроса:',
      detailsWhy: 'Почему спрашиваю:',
      approve: '✅ Одобрить',
      deny: '❌ Отклонить',
      alwaysAllow: (p) => `♾️ Всегда разрешать ${p.target}`,
      someone: 'кто-то',
      approvedAlwaysFor: (p) =>
        `♾️ Одобрено (${ruBy(p.by, p.time)}); теперь это всегда разрешено для ${p.name}: ${p.target}`,
      alwaysAllowedBy: (p) => `♾️ Разрешено всегда (${ruBy(p.by, p.time)})`,
      confirmedBy: (p) => `✅ ${p.yes} — подтверждено (${ruBy(p.by, p.time)})`,
      approvedBy: (p) => `✅ Одобрено (${ruBy(p.by, p.time)})`,
      confirmDeniedBy: (p) => `✖️ ${p.no} — ничего не сделано (${ruBy(p.by, p.time)})`,
      deniedBy: (p) => `❌ Отклонено (${ruBy(p.by, p.time)})`,
      answeredBy: (p) => `💬 Ответ (${ruBy(p.by, p.time)}): «${p.answer}»`,
      questionExpired: (p) => `⌛ Время вышло — продолжаю с ответом «${p.fallback}»`,
      confirmExpired: '⌛ Ответа не было — ничего не сделано',
      expiredApproved: '⌛ Время вышло — одобрено автоматически',
      expiredDenied: '⌛ Время вышло — отклонено',
      waiting: (p) => `⏳ Ждёт ответа (до ${p.until})`,
      alwaysAllowedNotice: (p) =>
        `Одобрено — теперь это всегда разрешено для ${p.name}: ${p.target}. Отозвать можно в /permissions.`,
      questionExpiredNotice: (p) => `Время на ответ вышло в ${p.time}; выбран ответ «${p.fallback}».`,
      confirmExpiredNotice: (p) =>
        `Время вышло в ${p.time}, поэтому ничего не сделано. Попросите ещё раз, если это ещё нужно.`,
      formalExpiredNotice: (p) =>
        `Время на этот запрос вышло в ${p.time}, и он был ${p.approve ? 'одобрен' : 'отклонён'} автоматически.`,
      alreadyDecided: (p) => `Уже решено: ${p.line}.`,
      approvedToast: 'Одобрено ✅',
      deniedToast: 'Отклонено ❌',
      confirmedToast: (p) => `${p.yes} — подтверждено ✅`,
      confirmDeniedToast: (p) => `${p.no} — ничего не сделано.`,
      alwaysNotOffered: '«Всегда разрешать» для этого запроса недоступно. Нажмите «Одобрить» или «Отклонить».',
      optionUnavailable: 'Такого варианта нет. Нажмите одну из кнопок или ответьте текстом.',
      gotIt: (p) => `Принято: ${p.answer}`,
      unknownRequest: 'Этот запрос больше недоступен. Отправьте /pending, чтобы увидеть, что ещё ждёт решения.',
      invalidButton: 'Эта кнопка больше не действует. Отправьте /pending, чтобы увидеть, что ещё ждёт решения.',
      onlyRequester: (p) => `Решить это может только ${p.name}.`,
      detailsAdded: 'Подробности добавлены ниже.',
      clickFailed: 'Не удалось это сохранить. Попробуйте ещё раз чуть позже.',
      nothingWaiting: 'Ничто не ждёт вашего решения. ✨',
      waitingCount: (p) =>
        p.n === 1
          ? 'Вашего решения ждёт один запрос:'
          : `Вашего решения ${plural('ru', p.n, { one: 'ждёт {n} запрос', few: 'ждут {n} запроса', many: 'ждут {n} запросов', other: 'ждут {n} запроса' })}:`,
      resumeFailed: 'Извините, не получилось завершить запрос после вашего решения. Пожалуйста, попросите ещё раз.',
      done: 'Готово.',
      stoppedEarly: 'Работа прервалась до завершения. Пожалуйста, попросите ещё раз.',
      interrupted:
        'Во время выполнения запроса, по которому вы уже решили, произошёл перезапуск, и он мог не завершиться. Проверьте, пожалуйста, и при необходимости попросите ещё раз.',
    },
  },
);

/** The texts of one language. */
export type ApprovalTexts = ReturnType<typeof approvalTexts>;

import { Composer } from 'grammy';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import { looksLikePairingCode } from '../../users/pairing.ts';
import type { AccessState, UserRecord, Users } from '../../users/users.ts';
import { chatRefOf, displayName } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { commandOf } from '../intake/classify.ts';
import { accessData, accessPrompt } from './access-prompt.ts';
import { isGroupChat } from './groups.ts';
import { answerStaleButton } from '../stale-button.ts';
import { accessData as accessButtonData } from '../../core/keys/callback-data.ts';
import { accessNoticeKey } from '../../core/keys/dedupe-keys.ts';
import type { Locale } from '../../i18n/locale.ts';
import { pickLocale } from '../../i18n/locale.ts';
import { commandTexts } from '../command-texts.ts';
import { localeOfCtx } from '../locale.ts';
import { accessTexts } from './access-texts.ts';

export const accessCommands = [{ command: 'users', description: commandTexts('en').users }];

/** The notice for strangers, in English (every language: `accessTexts`). */
export const PRIVATE_NOTICE = accessTexts('en').privateNotice;

/**
 * Callback data of access buttons: `sys:acc:<action>:<userId>:<version>`. `y`/`n` answer a request prompt (they
 * expire with the request); `a` (allow, also re-admit), `d` (deny) and `r` (revoke) come from /users. The version is
 * the user's access version when the button was made: a button older than the current state does nothing.
 */

const TARGET: Record<'y' | 'n' | 'a' | 'd' | 'r', AccessState> = {
  y: 'allowed',
  a: 'allowed',
  n: 'denied',
  d: 'denied',
  r: 'revoked',
};

function userLine(u: UserRecord, expired: boolean, locale: Locale): string {
  const state = u.access === 'pending' && expired ? 'expired' : u.access;
  return `• ${displayName({ id: u.id, first_name: u.firstName, username: u.username })} [${u.id}]: ${accessTexts(locale).label({ state })}`;
}

/** The words of "already decided (…)" for a state. */
function decidedOf(access: AccessState): 'approved' | 'denied' | 'revoked' | 'newer' | 'closed' {
  if (access === 'allowed' || access === 'owner') return 'approved';
  if (access === 'denied' || access === 'revoked') return access;
  return access === 'pending' ? 'newer' : 'closed';
}

/**
 * Access control. Served users pass on; everyone else costs no model call and gets at most a short reply.
 * Allowlist mode (ALLOWED_USER_IDS set): only listed users. Owner mode: whoever sends the one-time pairing code
 * from the log owns the bot; other users are put to the owner as an Approve/Deny prompt that expires after 24 h.
 * Denied and revoked users stay out until the owner lets them in from /users.
 */
export function createAccessFeature(deps: { users: Users; outbox: Outbox }): Composer<BotContext> {
  const { users, outbox } = deps;
  const composer = new Composer<BotContext>();

  async function notifyStranger(ctx: BotContext, message: string | OutMessage, rateLimited: boolean): Promise<void> {
    const from = ctx.from;
    const to = chatRefOf(ctx);
    if (!from || !to) return;
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: accessTexts(localeOfCtx(ctx)).privateNotice }).catch(() => undefined);
      return;
    }
    // In a group every notice counts against the limit: one a day per member and group, never a thread of them.
    const limited = rateLimited || isGroupChat(ctx.chat?.type);
    if (limited && !(await users.shouldNotifyStranger(from.id, { chatId: to.chatId }))) return;
    await outbox.send(to, typeof message === 'string' ? { text: message, format: 'plain' } : message);
  }

  /**
   * What a stranger who is waiting for the owner reads in a group. The bot can't message anyone first, so it points to
   * a private chat with it (where the owner's answer will reach them) instead of promising a message.
   */
  async function groupWaitingNotice(ctx: BotContext, ownerId: number, isNew: boolean): Promise<OutMessage> {
    const owner = (await users.get(ownerId))?.firstName?.trim() || undefined;
    const name = ctx.from?.first_name?.trim() || undefined;
    const t = accessTexts(localeOfCtx(ctx));
    return {
      text: isNew ? t.groupWaitingNew({ name, owner }) : t.groupWaitingAgain({ name, owner }),
      format: 'plain',
      keyboard: [[{ text: t.openPrivateChat, url: `https://t.me/${ctx.me.username}?start=access` }]],
    };
  }

  async function promptOwner(ctx: BotContext, ownerId: number, version: number): Promise<void> {
    const from = ctx.from!;
    const locale = await users.localeOf(ownerId);
    const where =
      ctx.chat && ctx.chat.type !== 'private'
        ? 'title' in ctx.chat
          ? ctx.chat.title
          : accessTexts(locale).aGroup
        : undefined;
    const d = await outbox.send(
      { chatId: ownerId },
      {
        ...accessPrompt(from, version, { ...(where ? { where } : {}), locale }),
        dedupeKey: accessNoticeKey.encode({ userId: from.id, updateId: ctx.update.update_id }),
      },
    );
    if (!d.ok) ctx.log.warn({ reason: d.reason }, 'could not send the access prompt to the owner');
    else if (d.messageIds[0] !== undefined) await users.recordPrompt(from.id, version, ownerId, d.messageIds[0]);
  }

  /** Replaces the text (and so removes the buttons) of every older prompt about this user. Returns their ids. */
  async function closePrompts(userId: number, version: number, text: string): Promise<number[]> {
    // Prompts go to the owner only, so `text` is in the owner's language.
    const prompts = await users.takePrompts(userId, version);
    for (const p of prompts) await outbox.edit({ chatId: p.chatId }, p.messageId, { text, format: 'plain' });
    return prompts.map((p) => p.messageId);
  }

  /** A message sent before the sender's access ended (a journal replay after a restart) gets no answer at all. */
  async function sentBeforeAccessEnded(ctx: BotContext, userId: number): Promise<boolean> {
    const date = ctx.message?.date ?? ctx.editedMessage?.date;
    if (date === undefined) return false;
    const user = await users.get(userId);
    if (!user || !['revoked', 'denied', 'unknown'].includes(user.access)) return false;
    return (date + 1) * 1000 <= user.accessChangedAt; // `date` is in whole seconds: only a whole earlier second counts
  }

  /** Owner mode before anyone owns the bot: only the pairing code from the log claims it. */
  async function claimWithCode(ctx: BotContext, next: () => Promise<void>): Promise<'claimed' | 'taken' | 'refused'> {
    const from = ctx.from!;
    const text = ctx.message?.text?.trim() ?? '';
    const command = commandOf(text)?.command;
    const t = accessTexts(localeOfCtx(ctx));
    if (ctx.chat?.type !== 'private') {
      await notifyStranger(ctx, t.notSetUp, true);
      return 'refused';
    }
    const code =
      command === 'start' ? text.replace(/^\/start(?:@\w+)?/i, '').trim() : looksLikePairingCode(text) ? text : '';
    if (!code) {
      await notifyStranger(ctx, command === 'start' ? t.needCode : t.notSetUp, command !== 'start');
      return 'refused';
    }
    const claim = await users.claimOwner(from, code);
    if (claim.won) {
      ctx.log.info({ user_id: from.id }, 'pairing code accepted: this user now owns the bot');
      if (command === 'start') await next();
      else await outbox.send({ chatId: from.id }, { text: t.claimed, format: 'plain' });
      return 'claimed';
    }
    if (claim.reason === 'taken') return 'taken';
    ctx.log.info({ user_id: from.id }, 'wrong pairing code');
    await notifyStranger(ctx, t.wrongCode, false);
    return 'refused';
  }

  /** The /users list: every known user with their state, and a button per user to change it. */
  async function usersList(ownerId: number | undefined): Promise<OutMessage> {
    const locale = ownerId === undefined ? 'en' : await users.localeOf(ownerId);
    const t = accessTexts(locale);
    const list = await users.list();
    const others = list.filter((u) => u.id !== ownerId && u.access !== 'unknown');
    const keyboard: Keyboard = [];
    for (const u of others.slice(0, 20)) {
      const short = (u.firstName || u.username || String(u.id)).slice(0, 20);
      if (u.access === 'allowed')
        keyboard.push([{ text: t.revokeButton({ name: short }), data: accessData('r', u, u.accessVersion) }]);
      else if (u.access === 'pending')
        keyboard.push([
          { text: t.approveButton({ name: short }), data: accessData('a', u, u.accessVersion) },
          { text: t.deny, data: accessData('d', u, u.accessVersion) },
        ]);
      else keyboard.push([{ text: t.letBackButton({ name: short }), data: accessData('a', u, u.accessVersion) }]);
    }
    const mode = users.mode === 'allowlist' ? t.modeAllowlist : t.modeOwner;
    const lines = list.filter((u) => u.access !== 'unknown').map((u) => userLine(u, users.requestExpired(u), locale));
    return {
      text: `${t.usersTitle({ n: lines.length })}\n${lines.join('\n')}\n\n${mode}`,
      format: 'plain',
      ...(keyboard.length > 0 ? { keyboard } : {}),
    };
  }

  /** Redraws a /users list in place after a decision, so its rows and buttons show the current state. */
  async function refreshList(ctx: BotContext, ownerId: number): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || messageId === undefined) return;
    const d = await outbox.edit(to, messageId, await usersList(ownerId));
    if (!d.ok) ctx.log.info({ reason: d.reason }, 'could not redraw the /users list');
  }

  // The gate.
  composer.use(async (ctx, next) => {
    const from = ctx.from;
    if (!from) return; // channel posts and service updates without a sender
    if (await users.isServed(from.id)) {
      await users.upsert(from);
      ctx.locale = await users.localeOf(from.id);
      return next();
    }
    ctx.locale = pickLocale(from.language_code);
    if (await sentBeforeAccessEnded(ctx, from.id)) {
      ctx.log.info({ user_id: from.id }, 'message from before the access ended; dropped without a reply');
      return;
    }
    if (users.mode === 'allowlist') {
      ctx.log.info({ user_id: from.id }, 'message from a user not in ALLOWED_USER_IDS; not served');
      return notifyStranger(ctx, accessTexts(ctx.locale).privateNotice, true);
    }
    if ((await users.ownerId()) === undefined && (await claimWithCode(ctx, next)) !== 'taken') return;
    const owner = await users.ownerId();
    if (owner === undefined) return;
    const request = await users.requestAccess(from);
    if (request.state === 'owner' || request.state === 'allowed') return next();
    const t = accessTexts(ctx.locale);
    if (request.state === 'denied' || request.state === 'revoked') return notifyStranger(ctx, t.privateNotice, true);
    const inGroup = isGroupChat(ctx.chat?.type);
    if (request.isNew) {
      ctx.log.info({ user_id: from.id }, 'access requested; prompting the owner');
      await closePrompts(
        from.id,
        request.version,
        accessTexts(await users.localeOf(owner)).earlierExpired({ name: displayName(from) }),
      );
      await promptOwner(ctx, owner, request.version);
      return notifyStranger(ctx, inGroup ? await groupWaitingNotice(ctx, owner, true) : t.waitingNotice, false);
    }
    return notifyStranger(ctx, inGroup ? await groupWaitingNotice(ctx, owner, false) : t.stillWaiting, true);
  });

  // Owner decisions on access prompts and the /users list.
  composer.callbackQuery(accessButtonData.route, async (ctx) => {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    const ownerId = await users.ownerId();
    const t = accessTexts(localeOfCtx(ctx));
    if (ctx.from.id !== ownerId) {
      return void (await ctx.answerCallbackQuery({ text: t.onlyOwnerChanges }));
    }
    const parsed = accessButtonData.decode(ctx.callbackQuery.data);
    if (!parsed) return answerStaleButton(ctx, outbox, t.olderVersion, { alert: true });
    const { action, userId, version } = parsed;
    if (userId === ownerId) return void (await ctx.answerCallbackQuery({ text: t.notYourself }));
    const access = TARGET[action];
    const decided = await users.decide(userId, access, { version, expires: action === 'y' || action === 'n' });
    const isPrompt = action === 'y' || action === 'n';
    const target = await users.get(userId);
    const name = target
      ? displayName({ id: target.id, first_name: target.firstName, username: target.username })
      : t.userN({ id: userId });
    if (!decided.ok) {
      ctx.log.info({ target_user: userId, reason: decided.reason }, 'access button no longer decides anything');
      if (!isPrompt) {
        // A list button made before another decision: say what the state is, and redraw the list to match it.
        const state = decided.reason === 'stale' ? t.stateWord({ state: decided.current }) : '';
        const text =
          decided.reason !== 'stale'
            ? t.unknownUserList
            : decided.current === access
              ? t.alreadyDone({ name, state })
              : t.changedMeanwhile({ name, state });
        await ctx.answerCallbackQuery({ text, show_alert: true });
        return refreshList(ctx, ownerId);
      }
      const text =
        decided.reason === 'stale'
          ? decided.current === 'pending'
            ? t.newerWaiting
            : t.alreadyDecided({ how: decidedOf(decided.current) })
          : decided.reason === 'expired'
            ? t.expired
            : t.unknownUser;
      return answerStaleButton(ctx, outbox, text, { alert: true });
    }
    ctx.log.info({ target_user: userId, access }, 'owner changed access');
    const verdict =
      access === 'allowed' ? t.approved({ name }) : access === 'denied' ? t.denied({ name }) : t.revoked({ name });
    await ctx.answerCallbackQuery({ text: verdict });
    if (!isPrompt) await refreshList(ctx, ownerId);
    const closed = await closePrompts(userId, decided.change.version, verdict);
    if (isPrompt && to && messageId && !closed.includes(messageId))
      await outbox.edit(to, messageId, { text: verdict, format: 'plain' });
    const report = [verdict, ...decided.notes].join('\n\n');
    if (to && !isPrompt) await outbox.send(to, { text: report, format: 'plain' });
    else if (to && decided.notes.length > 0)
      await outbox.send(to, { text: decided.notes.join('\n\n'), format: 'plain' });
    const told = accessTexts(await users.localeOf(userId));
    const note = access === 'allowed' ? told.youreIn : access === 'denied' ? told.declined : told.revokedNote;
    const d = await outbox.send({ chatId: userId }, { text: note, format: 'plain' });
    if (!d.ok)
      ctx.log.info({ target_user: userId, reason: d.reason }, 'could not notify the user about the access decision');
  });

  composer.command('users', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to) return;
    const t = accessTexts(localeOfCtx(ctx));
    if (ctx.chat.type !== 'private') {
      await outbox.send(to, { text: t.usersPrivateOnly, format: 'plain' });
      return;
    }
    const ownerId = await users.ownerId();
    if (ctx.from?.id !== ownerId) {
      await outbox.send(to, { text: t.onlyOwnerManages, format: 'plain' });
      return;
    }
    await outbox.send(to, await usersList(ownerId));
  });

  return composer;
}

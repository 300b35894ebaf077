import { Composer } from 'grammy';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import { EXPIRED_BUTTON_TEXT, staleButtonText } from '../../users/access-rules.ts';
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

export const accessCommands = [{ command: 'users', description: 'Owner: list users and manage access' }];

export const PRIVATE_NOTICE =
  'This is a private assistant, so I can only help the people its owner has approved. Sorry!';
const WAITING_NOTICE =
  "This is a private assistant. I've asked its owner for access. I'll message you here as soon as they decide.";
const STILL_WAITING = "You're still waiting for the owner's approval. I'll message you as soon as they decide.";
const NOT_SET_UP =
  "Hi! I'm not set up yet. If you run this bot, send /start followed by the pairing code from its log.";
const NEED_CODE =
  "Hi! I'm not set up yet. To become my owner, send /start followed by the one-time pairing code printed in the bot's log at start-up (look for “pairing code”), for example: /start K7QX3-M9PRT";
const WRONG_CODE =
  "That isn't the current pairing code. Copy it again from the bot's log (a new code is made at every restart) and send /start followed by the code.";
const CLAIMED_BY_TEXT =
  "🎉 You're the owner of this assistant now. Send /start to set your time zone, or just ask me anything.";
const PRIVATE_ONLY = 'For privacy, /users only works in a private chat with me.';

/**
 * Callback data of access buttons: `sys:acc:<action>:<userId>:<version>`. `y`/`n` answer a request prompt (they
 * expire with the request); `a` (allow, also re-admit), `d` (deny) and `r` (revoke) come from /users. The version is
 * the user's access version when the button was made: a button older than the current state does nothing.
 */
/** A user's state in words, for answers to /users buttons. */
const STATE_WORD: Record<AccessState, string> = {
  owner: 'the owner',
  allowed: 'allowed',
  pending: 'waiting for your decision',
  denied: 'denied',
  revoked: 'revoked',
  unknown: 'unknown to me',
};

const TARGET: Record<'y' | 'n' | 'a' | 'd' | 'r', AccessState> = {
  y: 'allowed',
  a: 'allowed',
  n: 'denied',
  d: 'denied',
  r: 'revoked',
};

function userLine(u: UserRecord, expired: boolean): string {
  const label = {
    owner: '👑 owner',
    allowed: '✅ allowed',
    pending: expired ? '⌛ request expired' : '⏳ waiting',
    denied: '⛔ denied',
    revoked: '🚫 revoked',
    unknown: '❔',
  }[u.access];
  return `• ${displayName({ id: u.id, first_name: u.firstName, username: u.username })} [${u.id}]: ${label}`;
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
      await ctx.answerCallbackQuery({ text: PRIVATE_NOTICE }).catch(() => undefined);
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
    const ownerName = (await users.get(ownerId))?.firstName?.trim();
    const name = ctx.from?.first_name?.trim() || 'there';
    const text = isNew
      ? `👋 Hi ${name}! I only help people my owner has approved, so I've asked ${ownerName ?? 'them'} to let you in. To hear their answer, open a private chat with me and tap Start.`
      : `Hi ${name}! ${ownerName ?? 'My owner'} hasn't decided on your access yet. To hear their answer, open a private chat with me and tap Start.`;
    return {
      text,
      format: 'plain',
      keyboard: [[{ text: '💬 Open a private chat', url: `https://t.me/${ctx.me.username}?start=access` }]],
    };
  }

  async function promptOwner(ctx: BotContext, ownerId: number, version: number): Promise<void> {
    const from = ctx.from!;
    const where =
      ctx.chat && ctx.chat.type !== 'private' ? ('title' in ctx.chat ? ctx.chat.title : 'a group') : undefined;
    const d = await outbox.send(
      { chatId: ownerId },
      {
        ...accessPrompt(from, version, where ? { where } : {}),
        dedupeKey: accessNoticeKey.encode({ userId: from.id, updateId: ctx.update.update_id }),
      },
    );
    if (!d.ok) ctx.log.warn({ reason: d.reason }, 'could not send the access prompt to the owner');
    else if (d.messageIds[0] !== undefined) await users.recordPrompt(from.id, version, ownerId, d.messageIds[0]);
  }

  /** Replaces the text (and so removes the buttons) of every older prompt about this user. Returns their ids. */
  async function closePrompts(userId: number, version: number, text: string): Promise<number[]> {
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
    if (ctx.chat?.type !== 'private') {
      await notifyStranger(ctx, NOT_SET_UP, true);
      return 'refused';
    }
    const code =
      command === 'start' ? text.replace(/^\/start(?:@\w+)?/i, '').trim() : looksLikePairingCode(text) ? text : '';
    if (!code) {
      await notifyStranger(ctx, command === 'start' ? NEED_CODE : NOT_SET_UP, command !== 'start');
      return 'refused';
    }
    const claim = await users.claimOwner(from, code);
    if (claim.won) {
      ctx.log.info({ user_id: from.id }, 'pairing code accepted: this user now owns the bot');
      if (command === 'start') await next();
      else await outbox.send({ chatId: from.id }, { text: CLAIMED_BY_TEXT, format: 'plain' });
      return 'claimed';
    }
    if (claim.reason === 'taken') return 'taken';
    ctx.log.info({ user_id: from.id }, 'wrong pairing code');
    await notifyStranger(ctx, WRONG_CODE, false);
    return 'refused';
  }

  /** The /users list: every known user with their state, and a button per user to change it. */
  async function usersList(ownerId: number | undefined): Promise<OutMessage> {
    const list = await users.list();
    const others = list.filter((u) => u.id !== ownerId && u.access !== 'unknown');
    const keyboard: Keyboard = [];
    for (const u of others.slice(0, 20)) {
      const short = (u.firstName || u.username || String(u.id)).slice(0, 20);
      if (u.access === 'allowed')
        keyboard.push([{ text: `🚫 Revoke ${short}`, data: accessData('r', u, u.accessVersion) }]);
      else if (u.access === 'pending')
        keyboard.push([
          { text: `✅ Approve ${short}`, data: accessData('a', u, u.accessVersion) },
          { text: '⛔ Deny', data: accessData('d', u, u.accessVersion) },
        ]);
      else keyboard.push([{ text: `✅ Let ${short} back in`, data: accessData('a', u, u.accessVersion) }]);
    }
    const mode =
      users.mode === 'allowlist'
        ? 'Access comes from ALLOWED_USER_IDS; revoking here overrides it.'
        : 'New users ask you for access; requests expire after 24 hours. Denied and revoked users stay out until you let them back in here.';
    const lines = list.filter((u) => u.access !== 'unknown').map((u) => userLine(u, users.requestExpired(u)));
    return {
      text: `Users (${lines.length}):\n${lines.join('\n')}\n\n${mode}`,
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
      return next();
    }
    if (await sentBeforeAccessEnded(ctx, from.id)) {
      ctx.log.info({ user_id: from.id }, 'message from before the access ended; dropped without a reply');
      return;
    }
    if (users.mode === 'allowlist') {
      ctx.log.info({ user_id: from.id }, 'message from a user not in ALLOWED_USER_IDS; not served');
      return notifyStranger(ctx, PRIVATE_NOTICE, true);
    }
    if ((await users.ownerId()) === undefined && (await claimWithCode(ctx, next)) !== 'taken') return;
    const owner = await users.ownerId();
    if (owner === undefined) return;
    const request = await users.requestAccess(from);
    if (request.state === 'owner' || request.state === 'allowed') return next();
    if (request.state === 'denied' || request.state === 'revoked') return notifyStranger(ctx, PRIVATE_NOTICE, true);
    const inGroup = isGroupChat(ctx.chat?.type);
    if (request.isNew) {
      ctx.log.info({ user_id: from.id }, 'access requested; prompting the owner');
      await closePrompts(
        from.id,
        request.version,
        `⌛ The earlier request from ${displayName(from)} expired; a new one was sent.`,
      );
      await promptOwner(ctx, owner, request.version);
      return notifyStranger(ctx, inGroup ? await groupWaitingNotice(ctx, owner, true) : WAITING_NOTICE, false);
    }
    return notifyStranger(ctx, inGroup ? await groupWaitingNotice(ctx, owner, false) : STILL_WAITING, true);
  });

  // Owner decisions on access prompts and the /users list.
  composer.callbackQuery(accessButtonData.route, async (ctx) => {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    const ownerId = await users.ownerId();
    if (ctx.from.id !== ownerId) {
      return void (await ctx.answerCallbackQuery({ text: 'Only the owner can change access.' }));
    }
    const parsed = accessButtonData.decode(ctx.callbackQuery.data);
    if (!parsed) {
      return answerStaleButton(ctx, outbox, 'This button is from an older version — use /users to change access.', {
        alert: true,
      });
    }
    const { action, userId, version } = parsed;
    if (userId === ownerId) return void (await ctx.answerCallbackQuery({ text: "You can't change your own access." }));
    const access = TARGET[action];
    const decided = await users.decide(userId, access, { version, expires: action === 'y' || action === 'n' });
    const isPrompt = action === 'y' || action === 'n';
    const target = await users.get(userId);
    const name = target
      ? displayName({ id: target.id, first_name: target.firstName, username: target.username })
      : `user ${userId}`;
    if (!decided.ok) {
      ctx.log.info({ target_user: userId, reason: decided.reason }, 'access button no longer decides anything');
      if (!isPrompt) {
        // A list button made before another decision: say what the state is, and redraw the list to match it.
        const text =
          decided.reason !== 'stale'
            ? 'I don’t know this user any more. The list is up to date now.'
            : decided.current === access
              ? `Already done: ${name} is ${STATE_WORD[decided.current]}. The list is up to date now.`
              : `${name}'s access changed meanwhile: ${STATE_WORD[decided.current]} now. The list is up to date now.`;
        await ctx.answerCallbackQuery({ text, show_alert: true });
        return refreshList(ctx, ownerId);
      }
      const text =
        decided.reason === 'stale'
          ? staleButtonText(decided.current)
          : decided.reason === 'expired'
            ? EXPIRED_BUTTON_TEXT
            : 'I don’t know this user any more — use /users.';
      return answerStaleButton(ctx, outbox, text, { alert: true });
    }
    ctx.log.info({ target_user: userId, access }, 'owner changed access');
    const verdict =
      access === 'allowed'
        ? `✅ Approved ${name}.`
        : access === 'denied'
          ? `⛔ Denied ${name}.`
          : `🚫 Revoked access for ${name}.`;
    await ctx.answerCallbackQuery({ text: verdict });
    if (!isPrompt) await refreshList(ctx, ownerId);
    const closed = await closePrompts(userId, decided.change.version, verdict);
    if (isPrompt && to && messageId && !closed.includes(messageId))
      await outbox.edit(to, messageId, { text: verdict, format: 'plain' });
    const report = [verdict, ...decided.notes].join('\n\n');
    if (to && !isPrompt) await outbox.send(to, { text: report, format: 'plain' });
    else if (to && decided.notes.length > 0)
      await outbox.send(to, { text: decided.notes.join('\n\n'), format: 'plain' });
    const note =
      access === 'allowed'
        ? "🎉 You're in! The owner approved your access. Send /start to set your time zone, or just ask me anything."
        : access === 'denied'
          ? 'Sorry, the owner declined your access request.'
          : 'Your access to this assistant was revoked by its owner.';
    const d = await outbox.send({ chatId: userId }, { text: note, format: 'plain' });
    if (!d.ok)
      ctx.log.info({ target_user: userId, reason: d.reason }, 'could not notify the user about the access decision');
  });

  composer.command('users', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to) return;
    if (ctx.chat.type !== 'private') {
      await outbox.send(to, { text: PRIVATE_ONLY, format: 'plain' });
      return;
    }
    const ownerId = await users.ownerId();
    if (ctx.from?.id !== ownerId) {
      await outbox.send(to, { text: 'Only the owner can manage users.', format: 'plain' });
      return;
    }
    await outbox.send(to, await usersList(ownerId));
  });

  return composer;
}

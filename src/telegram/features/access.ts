import { Composer } from 'grammy';
import { z } from 'zod';
import type { Keyboard, Outbox } from '../../core/outbox.ts';
import type { UserRecord, Users } from '../../users/users.ts';
import { chatRefOf, displayName } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { commandOf } from '../intake/classify.ts';

export const accessCommands = [{ command: 'users', description: 'Owner: list users and manage access' }];

export const PRIVATE_NOTICE =
  'This is a private assistant, so I can only help the people its owner has approved. Sorry!';
const WAITING_NOTICE =
  "This is a private assistant. I've asked its owner for access. I'll message you here as soon as they decide.";
const STILL_WAITING = "You're still waiting for the owner's approval. I'll message you as soon as they decide.";

const accessDataSchema = z
  .string()
  .regex(/^sys:acc:([ynr]):(\d{1,15})$/)
  .transform((s) => {
    const [, , action, id] = s.split(':');
    return { action: action as 'y' | 'n' | 'r', userId: Number(id) };
  });

function userLine(u: UserRecord): string {
  const label = { owner: '👑 owner', allowed: '✅ allowed', pending: '⏳ waiting', denied: '⛔ denied', revoked: '🚫 revoked', unknown: '❔' }[
    u.access
  ];
  return `• ${displayName({ id: u.id, first_name: u.firstName, username: u.username })} [${u.id}]: ${label}`;
}

/**
 * Access control. Served users pass on; everyone else costs no model call and gets at most a short reply.
 * Allowlist mode (ALLOWED_USER_IDS set): only listed users. Owner mode: the first /start owns the bot;
 * other users are put to the owner as an Approve/Deny prompt.
 */
export function createAccessFeature(deps: { users: Users; outbox: Outbox }): Composer<BotContext> {
  const { users, outbox } = deps;
  const composer = new Composer<BotContext>();

  async function notifyStranger(ctx: BotContext, text: string, rateLimited: boolean): Promise<void> {
    const from = ctx.from;
    const to = chatRefOf(ctx);
    if (!from || !to) return;
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: PRIVATE_NOTICE }).catch(() => undefined);
      return;
    }
    if (rateLimited && !(await users.shouldNotifyStranger(from.id))) return;
    await outbox.send(to, { text, format: 'plain' });
  }

  async function promptOwner(ctx: BotContext, ownerId: number): Promise<void> {
    const from = ctx.from!;
    const keyboard: Keyboard = [
      [
        { text: '✅ Approve', data: `sys:acc:y:${from.id}` },
        { text: '⛔ Deny', data: `sys:acc:n:${from.id}` },
      ],
    ];
    const where = ctx.chat && ctx.chat.type !== 'private' ? ` in "${'title' in ctx.chat ? ctx.chat.title : 'a group'}"` : '';
    const d = await outbox.send(
      { chatId: ownerId },
      {
        text: `👤 ${displayName(from)} [id ${from.id}] would like to use your assistant${where}. Let them in?`,
        format: 'plain',
        keyboard,
        dedupeKey: `access:${from.id}:${ctx.update.update_id}`,
      },
    );
    if (!d.ok) ctx.log.warn({ reason: d.reason }, 'could not send the access prompt to the owner');
  }

  // The gate.
  composer.use(async (ctx, next) => {
    const from = ctx.from;
    if (!from) return; // channel posts and service updates without a sender
    if (await users.isServed(from.id)) {
      await users.upsert(from);
      return next();
    }
    const command = commandOf(ctx.message?.text)?.command;
    if (users.mode === 'owner') {
      const ownerId = await users.ownerId();
      if (ownerId === undefined) {
        if (command === 'start' && ctx.chat?.type === 'private') {
          const claim = await users.claimOwner(from);
          if (claim.won) {
            ctx.log.info({ user_id: from.id }, 'first /start: this user is now the owner');
            return next();
          }
        } else {
          await notifyStranger(ctx, "Hi! I'm not set up yet. Send /start in a private chat with me to begin.", true);
          return;
        }
      }
      const owner = await users.ownerId();
      if (owner === undefined) return;
      const request = await users.requestAccess(from);
      if (request.state === 'denied') return notifyStranger(ctx, PRIVATE_NOTICE, true);
      if (request.isNew) {
        ctx.log.info({ user_id: from.id }, 'access requested; prompting the owner');
        await promptOwner(ctx, owner);
        return notifyStranger(ctx, WAITING_NOTICE, false);
      }
      return notifyStranger(ctx, STILL_WAITING, true);
    }
    ctx.log.info({ user_id: from.id }, 'message from a user not in ALLOWED_USER_IDS; not served');
    return notifyStranger(ctx, PRIVATE_NOTICE, true);
  });

  // Owner decisions on access prompts and the /users list.
  composer.callbackQuery(/^sys:acc:/, async (ctx) => {
    const parsed = accessDataSchema.safeParse(ctx.callbackQuery.data);
    if (!parsed.success) return void (await ctx.answerCallbackQuery({ text: 'This button is no longer valid.' }));
    const ownerId = await users.ownerId();
    if (ctx.from.id !== ownerId) {
      return void (await ctx.answerCallbackQuery({ text: 'Only the owner can change access.' }));
    }
    const { action, userId } = parsed.data;
    if (userId === ownerId) return void (await ctx.answerCallbackQuery({ text: "You can't change your own access." }));
    const target = await users.get(userId);
    const name = target ? displayName({ id: target.id, first_name: target.firstName, username: target.username }) : `user ${userId}`;
    const access = action === 'y' ? 'allowed' : action === 'n' ? 'denied' : 'revoked';
    await users.setAccess(userId, access);
    ctx.log.info({ target_user: userId, access }, 'owner changed access');
    const verdict = action === 'y' ? `✅ Approved ${name}.` : action === 'n' ? `⛔ Denied ${name}.` : `🚫 Revoked access for ${name}.`;
    await ctx.answerCallbackQuery({ text: verdict });
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    if (to && messageId && action !== 'r') await outbox.edit(to, messageId, { text: verdict, format: 'plain' });
    else if (to) await outbox.send(to, { text: verdict, format: 'plain' });
    const note =
      action === 'y'
        ? "🎉 You're in! The owner approved your access. Send /start to set your time zone, or just ask me anything."
        : action === 'n'
          ? 'Sorry, the owner declined your access request.'
          : 'Your access to this assistant was revoked by its owner.';
    const d = await outbox.send({ chatId: userId }, { text: note, format: 'plain' });
    if (!d.ok) ctx.log.info({ target_user: userId, reason: d.reason }, 'could not notify the user about the access decision');
  });

  composer.command('users', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to) return;
    const ownerId = await users.ownerId();
    if (ctx.from?.id !== ownerId) {
      await outbox.send(to, { text: 'Only the owner can manage users.', format: 'plain' });
      return;
    }
    const list = await users.list();
    const others = list.filter((u) => u.id !== ownerId && u.access !== 'unknown');
    const keyboard: Keyboard = [];
    for (const u of others.slice(0, 20)) {
      const short = (u.firstName || u.username || String(u.id)).slice(0, 20);
      if (u.access === 'allowed') keyboard.push([{ text: `🚫 Revoke ${short}`, data: `sys:acc:r:${u.id}` }]);
      else if (u.access === 'pending')
        keyboard.push([
          { text: `✅ Approve ${short}`, data: `sys:acc:y:${u.id}` },
          { text: '⛔ Deny', data: `sys:acc:n:${u.id}` },
        ]);
      else keyboard.push([{ text: `✅ Allow ${short}`, data: `sys:acc:y:${u.id}` }]);
    }
    const mode =
      users.mode === 'allowlist'
        ? 'Access comes from ALLOWED_USER_IDS; revoking here overrides it.'
        : 'New users ask you for access.';
    const lines = list.filter((u) => u.access !== 'unknown').map(userLine);
    await outbox.send(to, {
      text: `Users (${lines.length}):\n${lines.join('\n')}\n\n${mode}`,
      format: 'plain',
      ...(keyboard.length > 0 ? { keyboard } : {}),
    });
  });

  return composer;
}

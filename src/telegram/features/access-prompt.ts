import type { ChatRef, OutMessage, Outbox } from '../../core/outbox.ts';
import { ACCESS_REQUEST_TTL_MS } from '../../users/access-rules.ts';
import type { TelegramUser, Users } from '../../users/users.ts';
import { displayName } from '../chat-ref.ts';
import { type AccessAction, accessData as accessButtonData } from '../../core/keys/callback-data.ts';

export type { AccessAction } from '../../core/keys/callback-data.ts';

/**
 * Callback data of access buttons: `sys:acc:<action>:<userId>:<version>`, parsed in access.ts. The version is the
 * user's access version when the button was made: a button older than the current state does nothing.
 */
export function accessData(action: AccessAction, user: { id: number }, version: number): string {
  return accessButtonData.encode({ action, userId: user.id, version });
}

function expiresIn(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 1) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  return 'in less than an hour';
}

/** The owner's Approve/Deny prompt for one access request (`where`: the group it was made in, if any). */
export function accessPrompt(
  from: TelegramUser,
  version: number,
  options: { where?: string; leftMs?: number } = {},
): OutMessage {
  const where = options.where ? ` in "${options.where}"` : '';
  return {
    text: `👤 ${displayName(from)} [id ${from.id}] would like to use your assistant${where}. Let them in? (This request expires ${expiresIn(options.leftMs ?? ACCESS_REQUEST_TTL_MS)}.)`,
    format: 'plain',
    keyboard: [
      [
        { text: '✅ Approve', data: accessData('y', from, version) },
        { text: '⛔ Deny', data: accessData('n', from, version) },
      ],
    ],
  };
}

/**
 * `/pending` for the owner in a private chat: re-sends every open access request as a prompt with its buttons
 * (recorded, so a decision anywhere removes them). Nothing for anyone else or in a group. Returns how many.
 */
export async function resendAccessRequests(
  deps: { users: Users; outbox: Outbox; now: () => number },
  to: ChatRef & { type: string },
  userId: number,
): Promise<number> {
  const { users, outbox } = deps;
  if (to.type !== 'private' || userId !== (await users.ownerId())) return 0;
  const open = (await users.list()).filter((u) => u.access === 'pending' && !users.requestExpired(u));
  if (open.length === 0) return 0;
  const intro =
    open.length === 1
      ? '👤 One person asks to use your assistant:'
      : `👤 ${open.length} people ask to use your assistant:`;
  await outbox.send(to, { text: intro, format: 'plain' });
  for (const u of open) {
    const who = {
      id: u.id,
      ...(u.firstName ? { first_name: u.firstName } : {}),
      ...(u.username ? { username: u.username } : {}),
    };
    const leftMs = ACCESS_REQUEST_TTL_MS - (deps.now() - u.accessChangedAt);
    const d = await outbox.send(to, accessPrompt(who, u.accessVersion, { leftMs }));
    if (d.ok && d.messageIds[0] !== undefined)
      await users.recordPrompt(u.id, u.accessVersion, to.chatId, d.messageIds[0]);
  }
  return open.length;
}

import type { ChatRef, OutMessage, Outbox } from '../../core/outbox.ts';
import { ACCESS_REQUEST_TTL_MS } from '../../users/access-rules.ts';
import type { TelegramUser, Users } from '../../users/users.ts';
import { displayName } from '../chat-ref.ts';
import { type AccessAction, accessData as accessButtonData } from '../../core/keys/callback-data.ts';
import type { Locale } from '../../i18n/locale.ts';
import { accessTexts } from './access-texts.ts';

export type { AccessAction } from '../../core/keys/callback-data.ts';

/**
 * Callback data of access buttons: `sys:acc:<action>:<userId>:<version>`, parsed in access.ts. The version is the
 * user's access version when the button was made: a button older than the current state does nothing.
 */
export function accessData(action: AccessAction, user: { id: number }, version: number): string {
  return accessButtonData.encode({ action, userId: user.id, version });
}

/** The owner's Approve/Deny prompt for one access request (`where`: the group it was made in, if any). */
export function accessPrompt(
  from: TelegramUser,
  version: number,
  options: { where?: string; leftMs?: number; locale?: Locale } = {},
): OutMessage {
  const t = accessTexts(options.locale ?? 'en');
  const hours = Math.floor((options.leftMs ?? ACCESS_REQUEST_TTL_MS) / 3_600_000);
  return {
    text: t.prompt({ name: displayName(from), id: from.id, where: options.where, hours }),
    format: 'plain',
    keyboard: [
      [
        { text: t.approve, data: accessData('y', from, version) },
        { text: t.deny, data: accessData('n', from, version) },
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
  const locale = await users.localeOf(userId);
  await outbox.send(to, { text: accessTexts(locale).pendingIntro({ n: open.length }), format: 'plain' });
  for (const u of open) {
    const who = {
      id: u.id,
      ...(u.firstName ? { first_name: u.firstName } : {}),
      ...(u.username ? { username: u.username } : {}),
    };
    const leftMs = ACCESS_REQUEST_TTL_MS - (deps.now() - u.accessChangedAt);
    const d = await outbox.send(to, accessPrompt(who, u.accessVersion, { leftMs, locale }));
    if (d.ok && d.messageIds[0] !== undefined)
      await users.recordPrompt(u.id, u.accessVersion, to.chatId, d.messageIds[0]);
  }
  return open.length;
}

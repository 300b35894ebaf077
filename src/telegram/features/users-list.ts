import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { UserRecord, Users } from '../../users/users.ts';
import { displayName } from '../chat-ref.ts';
import { accessData } from './access-prompt.ts';
import { accessTexts } from './access-texts.ts';

function userLine(u: UserRecord, expired: boolean, locale: Locale): string {
  const state = u.access === 'pending' && expired ? 'expired' : u.access;
  return `• ${displayName({ id: u.id, first_name: u.firstName, username: u.username })} [${u.id}]: ${accessTexts(locale).label({ state })}`;
}

/** The /users list: every known user with their state, and a button per user to change it. */
export async function usersList(users: Users, ownerId: number | undefined): Promise<OutMessage> {
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

import type { AccessState } from './users.ts';

/** How long an access request (and its Approve/Deny prompt) stays open. */
export const ACCESS_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

/** True when a pending request is older than `ttlMs`: its prompt no longer decides anything. */
export function isRequestExpired(
  user: { access: AccessState; accessChangedAt: number },
  now: number,
  ttlMs = ACCESS_REQUEST_TTL_MS,
): boolean {
  return user.access === 'pending' && now - user.accessChangedAt >= ttlMs;
}

/** Whether a state lets the user in (owner mode; allowlist mode also needs the id in ALLOWED_USER_IDS). */
export function isServedState(access: AccessState): boolean {
  return access === 'owner' || access === 'allowed';
}

/** The words for a state in "already decided (…)". */
export function decidedLabel(access: AccessState): string {
  switch (access) {
    case 'allowed':
    case 'owner':
      return 'approved';
    case 'denied':
      return 'denied';
    case 'revoked':
      return 'revoked';
    case 'pending':
      return 'a newer request is waiting';
    default:
      return 'closed';
  }
}

/** What a button from an older prompt or list answers once the request was settled elsewhere. */
export function staleButtonText(current: AccessState): string {
  if (current === 'pending')
    return 'This button is from an older request; a newer one is waiting — use /users to decide.';
  return `This request was already decided (${decidedLabel(current)}) — use /users to change it.`;
}

export const EXPIRED_BUTTON_TEXT = 'This request expired after 24 hours — use /users to let them in.';

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

import { createHash, randomInt } from 'node:crypto';
import type { Logger } from '../core/logger.ts';

/**
 * One-time pairing code that claims an unowned bot (owner mode, no ALLOWED_USER_IDS). A fresh random code is made at
 * every start while nobody owns the bot and printed in the log: whoever can read the log runs the bot, so the first
 * person to send `/start <code>` (or just the code) in a private chat becomes the owner. Only its SHA-256 hash is
 * stored (`owner_pairing`); the code is single-use.
 */

/** No I, L, O, U, 0 or 1: nothing to confuse when typing it from a log. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
const LENGTH = 10;

/** A new random code such as `K7QX3-M9PRT` (about 49 bits from the OS CSPRNG). */
export function newPairingCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}

/** Upper-cases and drops everything but letters and digits, so `k7qx3 m9prt` matches `K7QX3-M9PRT`. */
export function normalizePairingCode(input: string): string {
  return input.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** True when a text could be a pairing code (so a plain message with the code claims the bot too). */
export function looksLikePairingCode(text: string): boolean {
  return text.length <= 24 && normalizePairingCode(text).length === LENGTH;
}

/** What is stored: the hash of the normalized code. */
export function hashPairingCode(code: string): string {
  return createHash('sha256')
    .update(`pairing:${normalizePairingCode(code)}`)
    .digest('hex');
}

/**
 * The one readable start-up line, at info level. Unowned: how to claim the bot, with the code (the intended channel:
 * the operator reads it from the log and sends it; it is useless once used, and replaced at the next start), also in
 * the `pairing_code` field. Owned (or allowlist mode): just that the bot runs.
 */
export function announceRunning(log: Logger, username: string, code: string | undefined): void {
  if (code === undefined) {
    log.info({ bot: username }, `@${username} is running.`);
    return;
  }
  log.info(
    { bot: username, pairing_code: code },
    `@${username} is running. Open t.me/${username} and send /start ${code} to become its owner (one-time pairing code; a new one is made at each start until the bot has an owner).`,
  );
}

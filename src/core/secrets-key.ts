/** Bytes of SECRETS_KEY once decoded. */
export const MASTER_KEY_BYTES = 32;

const GENERATE = 'generate one with: openssl rand -base64 32';

/**
 * SECRETS_KEY text (base64 of at least 32 random bytes, e.g. `openssl rand -base64 32`) as key bytes; the first 32
 * are used. Returns the reason instead when the text is not such a key: env.ts lists it with the other problems and
 * the secret store and rotation script refuse it.
 */
export function decodeMasterKey(text: string): { key: Buffer } | { problem: string } {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return { problem: `must be base64 (${GENERATE})` };
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < MASTER_KEY_BYTES)
    return { problem: `must decode to at least ${MASTER_KEY_BYTES} bytes, got ${bytes.length} (${GENERATE})` };
  // 32 random bytes have about 30 distinct values; fewer than 16 is a pattern or a typed phrase, not a random key.
  if (new Set(bytes.subarray(0, MASTER_KEY_BYTES)).size < 16)
    return { problem: `looks too regular to be a random key (${GENERATE})` };
  return { key: bytes.subarray(0, MASTER_KEY_BYTES) };
}

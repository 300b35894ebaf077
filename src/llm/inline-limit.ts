/**
 * How big a file can be and still reach Gemini inline. One request (prompt, history, tool declarations and every
 * inline file together) may be at most 20 MB, and base64 turns every 3 bytes into 4 characters.
 */

/** Gemini's limit on one request with inline data, in bytes. */
export const GEMINI_INLINE_REQUEST_BYTES = 20 * 1024 * 1024;

/** Room kept for the rest of the request: system prompt, history, recalled memory, tool declarations. */
export const INLINE_REQUEST_OVERHEAD_BYTES = 1024 * 1024;

/** The largest file (raw bytes) we accept: its base64 plus the rest of the request still fits (about 14.25 MB). */
export const MAX_INLINE_FILE_BYTES = Math.floor(
  ((GEMINI_INLINE_REQUEST_BYTES - INLINE_REQUEST_OVERHEAD_BYTES) * 3) / 4,
);

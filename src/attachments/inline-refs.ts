import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.ts';

/**
 * Suspended runs keep the user's files in several places (the request, the router's frame, the sub-agent's
 * conversation). Before such state is stored, every inline file (`{ mimeType, data: <base64> }`, the shape of both
 * an Attachment and a model `inlineData` part) is replaced by a reference to its content hash, and the bytes are
 * stored once; on resume the references are swapped back. Pure functions: the SQL is in attachment-store.ts.
 */

const PREFIX = 'attachment:sha256:';
/** Smaller inline data stays where it is: a reference would save nothing. */
const MIN_DETACH_CHARS = 1024;
const MARKER = /^attachment:sha256:([0-9a-f]{64})$/;

/** A JSON text with inline files replaced by references, and the referenced files' bytes by hash. */
export interface Detached {
  json: string;
  files: Map<string, Uint8Array>;
}

function isInlineHolder(holder: unknown): boolean {
  return (
    typeof holder === 'object' && holder !== null && typeof (holder as { mimeType?: unknown }).mimeType === 'string'
  );
}

/** Serializes `value` like JSON.stringify, storing large inline base64 data in `files` (shared across calls) instead. */
export function detachInline(value: unknown, files: Map<string, Uint8Array> = new Map()): Detached {
  const json = JSON.stringify(value, function (this: unknown, key, v: unknown) {
    if (key !== 'data' || typeof v !== 'string' || v.length < MIN_DETACH_CHARS || !isInlineHolder(this)) return v;
    const bytes = Buffer.from(v, 'base64');
    // Only canonical base64 is replaced, so swapping the reference back gives exactly the same text.
    if (bytes.toString('base64') !== v) return v;
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (!files.has(hash)) files.set(hash, bytes);
    return `${PREFIX}${hash}`;
  });
  return { json, files };
}

/** The content hashes `value` refers to. */
export function referencedHashes(value: unknown): Set<string> {
  const out = new Set<string>();
  walk(value, (holder) => {
    const m = MARKER.exec(holder.data as string);
    if (m?.[1]) out.add(m[1]);
  });
  return out;
}

/**
 * Puts the files back into `value` (in place) from `files` (base64 by hash). Throws AppError('invalid_input') when
 * a referenced file is gone, so the run fails with a clear message instead of sending a reference to the model.
 */
export function attachInline<T>(value: T, files: Map<string, string>): T {
  walk(value, (holder) => {
    const m = MARKER.exec(holder.data as string);
    if (!m?.[1]) return;
    const data = files.get(m[1]);
    if (data === undefined)
      throw new AppError('invalid_input', 'A file this paused request needs is no longer stored.');
    holder.data = data;
  });
  return value;
}

function walk(value: unknown, visit: (holder: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (typeof record.data === 'string' && typeof record.mimeType === 'string' && record.data.startsWith(PREFIX))
    visit(record);
  for (const v of Object.values(record)) walk(v, visit);
}

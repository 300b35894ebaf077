import { toError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ChatRef, Outbox } from './outbox.ts';
import type { OutputFile } from './turn.ts';

/** What Telegram shows inline as a photo (up to 10 MB); other files go as documents. */
const PHOTO_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Sends files a turn's code produced (after its answer): PNG/JPEG/WebP as photos, anything else (a CSV it wrote) as a
 * document. Returns the files that could not be sent (logged), so the caller can say so.
 */
export async function deliverOutputFiles(
  outbox: Pick<Outbox, 'sendDocument'>,
  to: ChatRef,
  files: readonly OutputFile[] | undefined,
  log: Logger,
): Promise<OutputFile[]> {
  const failed: OutputFile[] = [];
  for (const file of files ?? []) {
    const data = Buffer.from(file.data, 'base64');
    const photo = PHOTO_TYPES.has(file.mimeType.toLowerCase()) && data.byteLength <= PHOTO_MAX_BYTES;
    try {
      const delivery = await outbox.sendDocument(to, { name: file.name, data, ...(photo ? { photo: true } : {}) });
      if (delivery.ok) continue;
      log.warn({ reason: delivery.reason, file: file.name }, 'could not send a file the code made');
    } catch (err) {
      log.warn({ err: toError(err), file: file.name, bytes: data.byteLength }, 'could not send a file the code made');
    }
    failed.push(file);
  }
  return failed;
}

import type { Api } from 'grammy';
import type { Document } from 'grammy/types';
import { AppError } from '../../core/errors.ts';
import { detectFormat } from '../../knowledge/formats.ts';
import { MAX_INLINE_FILE_BYTES } from '../../llm/inline-limit.ts';
import { TELEGRAM_DOWNLOAD_LIMIT } from './media.ts';

/**
 * The type a sent document is stored as in the library, or undefined when the library does not read it (photos,
 * audio, video and unknown binaries stay with the chat feature): what the knowledge base's format detection takes.
 */
export function libraryMime(doc: Pick<Document, 'file_name' | 'mime_type'>): string | undefined {
  const mime = doc.mime_type ?? 'application/octet-stream';
  return detectFormat(mime, doc.file_name) ? mime : undefined;
}

/** What kind of file it is, for the words of a refusal (a scan, a damaged file, or not plain text). */
export function documentKind(mimeType: string, fileName: string | undefined): 'pdf' | 'docx' | 'text' {
  const format = detectFormat(mimeType, fileName);
  return format === 'pdf' || format === 'docx' ? format : 'text';
}

export interface FileDownloaderOptions {
  api: Pick<Api, 'getFile'>;
  token: string;
  apiRoot: string;
  maxBytes?: number;
}

/**
 * Downloads a Telegram file by id, refusing anything over `maxBytes`: at most what the chat can also read inline (so a
 * captioned document the library took can still be answered) and the Bot API's 20 MB.
 */
export function createFileDownloader(o: FileDownloaderOptions) {
  const maxBytes = Math.min(o.maxBytes ?? MAX_INLINE_FILE_BYTES, MAX_INLINE_FILE_BYTES, TELEGRAM_DOWNLOAD_LIMIT);
  const root = o.apiRoot.replace(/\/+$/, '');
  return {
    maxBytes,
    async download(fileId: string, signal?: AbortSignal): Promise<Uint8Array> {
      const file = await o.api.getFile(fileId);
      if (file.file_size !== undefined && file.file_size > maxBytes) throw new AppError('invalid_input', 'too large');
      if (!file.file_path) throw new AppError('telegram_failed', 'Telegram returned no file path');
      // The URL contains the token: never log it.
      const res = await fetch(`${root}/file/bot${o.token}/${file.file_path}`, signal ? { signal } : {});
      if (!res.ok || !res.body) throw new AppError('telegram_failed', `file download failed with HTTP ${res.status}`);
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes) throw new AppError('invalid_input', 'too large');
        chunks.push(chunk);
      }
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}

/** The downloader `createFileDownloader` makes. */
export type FileDownloader = ReturnType<typeof createFileDownloader>;

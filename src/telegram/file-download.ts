import type { Api } from 'grammy';
import { AppError } from '../core/errors.ts';
import { MAX_INLINE_FILE_BYTES } from '../llm/inline-limit.ts';

/** The Bot API's getFile download limit. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface FileDownloaderOptions {
  api: Pick<Api, 'getFile'>;
  token: string;
  apiRoot: string;
  /** Our own cap, at most what one Gemini request can carry inline and the Bot API's 20 MB. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/**
 * Downloads a Telegram file by id, refusing anything over `maxBytes`: file_size is checked before the download, and the
 * bytes again while reading (`AppError('invalid_input', 'too large')`).
 */
export function createFileDownloader(o: FileDownloaderOptions) {
  const limit = Math.min(MAX_INLINE_FILE_BYTES, TELEGRAM_DOWNLOAD_LIMIT);
  const maxBytes = Math.min(o.maxBytes ?? limit, limit);
  const doFetch = o.fetch ?? fetch;
  const root = o.apiRoot.replace(/\/+$/, '');
  return {
    maxBytes,
    async download(fileId: string, signal?: AbortSignal): Promise<Uint8Array> {
      const file = await o.api.getFile(fileId);
      if (file.file_size !== undefined && file.file_size > maxBytes) throw new AppError('invalid_input', 'too large');
      if (!file.file_path) throw new AppError('telegram_failed', 'Telegram returned no file path');
      // The URL contains the token: never log it.
      const res = await doFetch(`${root}/file/bot${o.token}/${file.file_path}`, signal ? { signal } : {});
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

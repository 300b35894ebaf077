import type { Document } from 'grammy/types';
import { detectFormat } from '../../knowledge/formats.ts';

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

export { createFileDownloader, type FileDownloader, type FileDownloaderOptions } from '../file-download.ts';

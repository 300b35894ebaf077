import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { AppError, toError } from '../../core/errors.ts';
import type { Attachment } from '../../core/turn.ts';
import { createFileDownloader } from '../file-download.ts';
import type { Locale } from '../../i18n/locale.ts';
import { mediaTexts } from './media-texts.ts';

export { TELEGRAM_DOWNLOAD_LIMIT } from '../file-download.ts';

export type MediaResult =
  | { ok: true; attachments: Attachment[]; kinds: string[] }
  | { ok: false; reply: string; reason: 'too_large' | 'unsupported' | 'download_failed' };

/** Reads a message's media into inline attachments for the model. */
export interface MediaReader {
  /** `locale`: the language of the `reply` for media it can't read (default English). */
  read(message: Message, signal?: AbortSignal, locale?: Locale): Promise<MediaResult>;
}

export interface MediaOptions {
  api: Api;
  token: string;
  apiRoot: string;
  /** Our own cap, at most MAX_INLINE_FILE_BYTES (what fits in one Gemini request; below the Bot API's 20 MB). */
  maxBytes?: number;
  fetch?: typeof fetch;
}

const TEXT_EXTENSIONS = new Set([
  'txt',
  'md',
  'markdown',
  'csv',
  'tsv',
  'json',
  'yaml',
  'yml',
  'toml',
  'ini',
  'xml',
  'html',
  'htm',
  'css',
  'log',
  'js',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'jsx',
  'py',
  'rb',
  'go',
  'rs',
  'java',
  'kt',
  'c',
  'h',
  'cpp',
  'hpp',
  'cs',
  'php',
  'sh',
  'bash',
  'zsh',
  'sql',
  'swift',
  'scala',
  'lua',
  'pl',
  'r',
  'dart',
  'vue',
  'svelte',
  'env',
  'conf',
  'cfg',
  'srt',
  'vtt',
]);
const TEXT_MIMES =
  /^(text\/|application\/(json|xml|javascript|x-javascript|typescript|x-sh|x-python|x-yaml|yaml|toml|sql|x-httpd-php|x-subrip|csv))/;

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** A limit in words, rounded down so a file of the size shown is never refused. */
function limitText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(Math.floor((bytes / 1024 / 1024) * 10) / 10).toFixed(1)} MB`
    : `${Math.max(1, Math.floor(bytes / 1024))} KB`;
}

/** What the model gets for a document: PDF, images and audio as they are; text and code as UTF-8 text/plain. */
function documentMime(name: string | undefined, mime: string | undefined): string | undefined {
  const m = (mime ?? '').toLowerCase();
  const ext = name?.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  if (m === 'application/pdf' || ext === 'pdf') return 'application/pdf';
  if (/^image\/(png|jpeg|webp|heic|heif)$/.test(m)) return m;
  if (/^audio\//.test(m)) return m;
  if (/^video\//.test(m)) return m;
  if (TEXT_MIMES.test(m) || TEXT_EXTENSIONS.has(ext)) return 'text/plain';
  return undefined;
}

function isUtf8Text(data: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, Math.min(data.length, 1_000_000)));
    return !data.subarray(0, 8000).includes(0);
  } catch {
    return false;
  }
}

/** A clear answer for message types we do not read. Undefined when the message is not one of them. */
export function unsupportedReply(message: Message, locale: Locale = 'en'): string | undefined {
  const t = mediaTexts(locale);
  if (message.sticker) return t.sticker;
  if (message.video_note) return t.videoNote;
  if (message.animation) return t.animation;
  if (message.location || message.venue) return t.location;
  if (message.poll) return t.poll;
  if (message.contact) return t.contact;
  if (message.dice || message.game) return t.game;
  if (message.story) return t.story;
  return undefined;
}

/** Creates the media reader: file_size is checked before any download; downloads are capped again while reading. */
export function createMediaReader(options: MediaOptions): MediaReader {
  const { maxBytes, download } = createFileDownloader(options);

  const tooLarge = (size: number, locale: Locale): MediaResult => ({
    ok: false,
    reason: 'too_large',
    reply: mediaTexts(locale).tooLarge({ size: sizeText(size), limit: limitText(maxBytes) }),
  });

  return {
    async read(message, signal, locale = 'en') {
      const unsupported = unsupportedReply(message, locale);
      if (unsupported) return { ok: false, reason: 'unsupported', reply: unsupported };

      let target: { fileId: string; size?: number; mime: string; name?: string; kind: string } | undefined;
      if (message.photo && message.photo.length > 0) {
        // Sizes come smallest first; take the largest that fits.
        const fitting = message.photo.filter((p) => (p.file_size ?? 0) <= maxBytes);
        const best = fitting[fitting.length - 1];
        if (!best) return tooLarge(message.photo[message.photo.length - 1]?.file_size ?? 0, locale);
        target = { fileId: best.file_id, size: best.file_size, mime: 'image/jpeg', kind: 'photo' };
      } else if (message.document) {
        const d = message.document;
        const mime = documentMime(d.file_name, d.mime_type);
        if (!mime) {
          const ext = d.file_name?.includes('.') ? d.file_name.split('.').pop() : undefined;
          return { ok: false, reason: 'unsupported', reply: mediaTexts(locale).fileType({ ext }) };
        }
        target = { fileId: d.file_id, size: d.file_size, mime, name: d.file_name, kind: 'document' };
      } else if (message.voice) {
        target = {
          fileId: message.voice.file_id,
          size: message.voice.file_size,
          mime: message.voice.mime_type ?? 'audio/ogg',
          kind: 'voice',
        };
      } else if (message.audio) {
        const a = message.audio;
        target = {
          fileId: a.file_id,
          size: a.file_size,
          mime: a.mime_type ?? 'audio/mpeg',
          name: a.file_name,
          kind: 'audio',
        };
      } else if (message.video) {
        const v = message.video;
        target = {
          fileId: v.file_id,
          size: v.file_size,
          mime: v.mime_type ?? 'video/mp4',
          name: v.file_name,
          kind: 'video',
        };
      }
      if (!target) return { ok: true, attachments: [], kinds: [] };
      if (target.size !== undefined && target.size > maxBytes) return tooLarge(target.size, locale);

      let data: Uint8Array;
      try {
        data = await download(target.fileId, signal);
      } catch (err) {
        if (err instanceof AppError && err.code === 'invalid_input')
          return tooLarge(target.size ?? maxBytes + 1, locale);
        if (signal?.aborted) throw err;
        throw new AppError(
          'telegram_failed',
          `Could not download the ${target.kind} from Telegram: ${toError(err).message}`,
          {
            cause: err,
          },
        );
      }
      if (target.mime === 'text/plain' && !isUtf8Text(data)) {
        return { ok: false, reason: 'unsupported', reply: mediaTexts(locale).notText };
      }
      const attachment: Attachment = {
        mimeType: target.mime,
        data: Buffer.from(data).toString('base64'),
        ...(target.name ? { name: target.name } : {}),
      };
      return { ok: true, attachments: [attachment], kinds: [target.kind] };
    },
  };
}

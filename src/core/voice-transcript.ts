import type { Content, Part } from '../llm/types.ts';
import { escapeHtml } from './html.ts';
import type { Attachment } from './turn.ts';

/**
 * A voice turn's transcript travels in the same model answer as the reply: the agent that hears the audio starts its
 * answer with `<transcript>…</transcript>`, and this module takes it off deterministically. No extra model call, no
 * function call (a tool call would cost a second model step). A missing, empty or unclosed marker means "no
 * transcript": the answer is shown as it is and nothing is lost.
 */

const OPEN = '<transcript>';
const CLOSE = '</transcript>';
const OPEN_RE = /^\s*<transcript\s*>/i;
const CLOSE_RE = /<\/transcript\s*>/i;
/** Longest transcript shown in the chat (memory keeps it whole). */
export const TRANSCRIPT_DISPLAY_LIMIT = 3000;
/** Longest transcript kept at all; beyond this the model is not transcribing but rambling. */
const TRANSCRIPT_KEEP_LIMIT = 20_000;

/** Whether the model hears audio in this turn (a voice message, an audio file). */
export function hasAudio(attachments: readonly Pick<Attachment, 'mimeType'>[]): boolean {
  return attachments.some((a) => a.mimeType.toLowerCase().startsWith('audio/'));
}

/** The system-prompt section for a turn whose message includes audio. */
export const VOICE_INSTRUCTION = `## Voice message
The user's message includes an audio recording. Start your reply with a faithful transcript of what is said in it, in the language spoken, between ${OPEN} and ${CLOSE} tags (for example: ${OPEN}Remind me to call mom at five${CLOSE}). Leave the tags empty if nothing can be made out. Then, after the closing tag, reply to the user as usual, in the language they spoke. The transcript is shown to the user separately: don't repeat it or mention it in your reply.`;

/** A model answer with the transcript taken off. `marked`: the answer started with the marker (closed or not). */
export interface TranscriptSplit {
  transcript?: string;
  body: string;
  marked: boolean;
}

function clean(raw: string): string | undefined {
  let t = raw.replace(/\s+/g, ' ').trim();
  // Models sometimes quote the transcript or repeat the microphone; the display adds its own.
  t = t.replace(/^🎙\uFE0F?\s*/u, '');
  const quoted = /^(["“«„])(.*)(["”»“])$/su.exec(t);
  if (quoted?.[2] !== undefined) t = quoted[2].trim();
  if (t === '') return undefined;
  return t.length > TRANSCRIPT_KEEP_LIMIT ? `${t.slice(0, TRANSCRIPT_KEEP_LIMIT)}…` : t;
}

/**
 * Splits a complete answer into transcript and reply. Only a marker at the very start counts; an unclosed marker
 * is dropped and everything after it kept as the reply (no transcript).
 */
export function splitTranscript(text: string): TranscriptSplit {
  const open = OPEN_RE.exec(text);
  if (!open) return { body: text, marked: false };
  const rest = text.slice(open[0].length);
  const close = CLOSE_RE.exec(rest);
  if (!close) return { body: rest.trimStart(), marked: true };
  const transcript = clean(rest.slice(0, close.index));
  const body = rest.slice(close.index + close[0].length).trimStart();
  return transcript === undefined ? { body, marked: true } : { transcript, body, marked: true };
}

/** A streamed answer so far. `complete` is false while the transcript may still grow (show nothing of the reply yet). */
export interface StreamingTranscript {
  /** The transcript so far (possibly partial). */
  transcript?: string;
  complete: boolean;
  body: string;
}

/** True when `s` could still become `full` (case-insensitive), e.g. `<tran` for `<transcript>`. */
function isPrefixOf(s: string, full: string): boolean {
  return s.length < full.length && full.toLowerCase().startsWith(s.toLowerCase());
}

/** The longest suffix of `s` that is a proper prefix of `full` (a closing tag cut mid-way by a chunk boundary). */
function partialSuffix(s: string, full: string): number {
  for (let n = Math.min(s.length, full.length - 1); n > 0; n--) {
    if (isPrefixOf(s.slice(-n), full)) return n;
  }
  return 0;
}

/**
 * Splits an answer that is still streaming. Text that might be the start of the marker is held back, so a preview
 * never shows the raw tags; a reply that doesn't start with the marker streams as it is.
 */
export function splitStreamingTranscript(text: string): StreamingTranscript {
  const lead = text.trimStart();
  if (lead === '' || isPrefixOf(lead, OPEN) || /^<transcript\s*$/i.test(lead)) return { complete: false, body: '' };
  const open = OPEN_RE.exec(text);
  if (!open) return { complete: true, body: text };
  const rest = text.slice(open[0].length);
  if (CLOSE_RE.test(rest)) {
    const done = splitTranscript(text);
    return {
      ...(done.transcript !== undefined ? { transcript: done.transcript } : {}),
      complete: true,
      body: done.body,
    };
  }
  const cut = partialSuffix(rest, CLOSE);
  const heard = clean(rest.slice(0, rest.length - cut).replace(/<\/transcript\s*$/i, ''));
  return { ...(heard !== undefined ? { transcript: heard } : {}), complete: false, body: '' };
}

/** The transcript line as Telegram HTML (escaped, italic, clipped for display). `partial`: still being written. */
export function transcriptHtml(transcript: string, partial = false): string {
  const clipped =
    transcript.length > TRANSCRIPT_DISPLAY_LIMIT ? `${transcript.slice(0, TRANSCRIPT_DISPLAY_LIMIT)}…` : transcript;
  const escaped = escapeHtml(clipped);
  return partial ? `🎙 <i>“${escaped}…</i>` : `🎙 <i>“${escaped}”</i>`;
}

/** What a voice turn's result becomes once its transcript is taken off. */
export interface TakenTranscript {
  transcript?: string;
  text: string;
  contents?: Content[];
}

/**
 * Takes the transcript off an agent's final text and off every model turn of `contents` that starts with the marker
 * (the model may have written it in a first step that also called tools, so it need not be in the final text).
 * The final text's transcript wins, else the first model turn's. Nothing that isn't marked is changed.
 */
export function takeTranscript(text: string, contents?: Content[]): TakenTranscript {
  let transcript: string | undefined;
  const fromText = splitTranscript(text);
  const newContents = contents?.flatMap((c): Content[] => {
    if (c.role !== 'model') return [c];
    let changed = false;
    const parts: Part[] = [];
    for (const p of c.parts) {
      if ('text' in p && !p.thought && OPEN_RE.test(p.text)) {
        const split = splitTranscript(p.text);
        transcript ??= split.transcript;
        changed = true;
        if (split.body.trim() === '' && p.thoughtSignature === undefined) continue;
        parts.push({ ...p, text: split.body });
      } else parts.push(p);
    }
    if (!changed) return [c];
    return parts.length > 0 ? [{ ...c, parts }] : [];
  });
  if (fromText.transcript !== undefined) transcript = fromText.transcript;
  const result: TakenTranscript = { text: fromText.marked ? fromText.body : text };
  if (transcript !== undefined) result.transcript = transcript;
  if (newContents) result.contents = newContents;
  return result;
}

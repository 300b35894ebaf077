/**
 * Shared parts of the chat-guide tests: a fixed wall clock (so printed times are the same on every run), the real bot
 * (src/main.ts as a child process) against the fakes with a scripted Gemini, small "say / tap / render" steps, and
 * writing a screen's transcript for scripts/chat-guide.ts when WRITE_CHAT_GUIDE=1.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  buttonsOf,
  dispatcher,
  roleOf,
  sleep,
} from '../e2e/acceptance-support.ts';
import { botEnv, type ChildBot, repoRoot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import {
  type FakeTelegram,
  type TranscriptEntry,
  type UserMessageInput,
  createFakeTelegram,
} from '../support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { type Mask, renderTranscript } from '../support/transcript.ts';
import { FRAGMENT_DIR, type ScreenFragment, type ScreenId, type ScreenPart } from './screens.ts';

/** What the guide's clock reads when a scenario starts: Thursday 12 March 2026, 09:00 in Berlin. */
export const GUIDE_EPOCH = Date.parse('2026-03-12T08:00:00Z');
export const GUIDE_ZONE = 'Europe/Berlin';
/** Shown instead of the random pairing code (the README's example). */
export const SAMPLE_PAIRING_CODE = 'K7QX3-M9PRT';

/** Generous: the machine may be busy, and a timeout here is a hang, not a measurement. */
export const WAIT_MS = 30_000;

export const writingGuide = process.env.WRITE_CHAT_GUIDE === '1';

/** Writes one screen's transcripts for scripts/chat-guide.ts (only when WRITE_CHAT_GUIDE=1). */
export function writeScreen(id: ScreenId, parts: ScreenPart[]): void {
  if (!writingGuide) return;
  const dir = resolve(repoRoot, FRAGMENT_DIR);
  mkdirSync(dir, { recursive: true });
  const fragment: ScreenFragment = { id, parts };
  writeFileSync(join(dir, `${id}.json`), `${JSON.stringify(fragment, null, 2)}\n`);
}

/** Every pattern must match the rendered screen: the few stable words that make a screen what it is. */
export function assertScreen(id: ScreenId, text: string, patterns: readonly RegExp[]): void {
  for (const p of patterns) assert.match(text, p, `screen "${id}" should show ${p}:\n${text}`);
  assert.doesNotMatch(text, /UNSCRIPTED/, `screen "${id}" shows a model reply the test did not script:\n${text}`);
}

/** A wall clock that reads GUIDE_EPOCH at its anchor and runs at real speed; `env` hands it to a child process. */
export interface GuideClock {
  now(): number;
  env(): Record<string, string>;
}

const clockShift = fileURLToPath(new URL('./clock-shift.mjs', import.meta.url));

export function guideClock(): GuideClock {
  const anchor = Date.now();
  return {
    now: () => GUIDE_EPOCH + (Date.now() - anchor),
    env: () => ({
      GUIDE_CLOCK_EPOCH_MS: String(GUIDE_EPOCH),
      GUIDE_CLOCK_ANCHOR_MS: String(anchor),
      NODE_OPTIONS: `--import ${pathToFileURL(clockShift).href}`,
    }),
  };
}

export interface Person {
  id: number;
  firstName: string;
  /** Telegram's language_code of this person's app (default: none, so English). */
  languageCode?: string;
}

export interface ButtonChoice {
  text: string;
  data: string;
}

/** A point in a chat: its newest message and how many buttons had been pressed in it. */
export interface ChatMark {
  messageId: number;
  presses: number;
}

/** The parts of a guide scenario and the steps a user takes. */
export interface Guide {
  tg: FakeTelegram;
  gemini: FakeGemini;
  /** Model requests no rule answered (each also shows "UNSCRIPTED" in the chat). */
  unmatched: RecordedRequest[];
  /** Where a chat is now: render from here to leave out what came before. */
  mark(chatId: number): ChatMark;
  /** `who` sends `text` in `chatId` (default: their private chat); resolves with the first bot message matching `until`. */
  say(
    who: Person,
    text: string,
    until: (m: TranscriptEntry) => boolean,
    options?: { chatId?: number } & Partial<UserMessageInput>,
  ): Promise<TranscriptEntry>;
  /** `who` taps the first button `pick` chooses on a message; resolves once Telegram's button spinner was answered. */
  tap(who: Person, chatId: number, messageId: number, pick: (b: ButtonChoice) => boolean): Promise<void>;
  /** The chat as the user saw it, from a mark on, with the run-specific bits masked. */
  render(chatId: number, from?: ChatMark): string;
  /** Waits until the bot has sent nothing for a moment (so a screen is rendered complete). */
  quiet(ms?: number): Promise<void>;
  close(): Promise<void>;
}

export interface GuideParts {
  tg: FakeTelegram;
  gemini: FakeGemini;
  unmatched: RecordedRequest[];
  masks: Mask[];
  /** True while the bot is still working on something (besides model calls in flight, which count anyway). */
  busy?: () => boolean;
  close(): Promise<void>;
}

/** Buttons of a message as it is now. */
export function currentButtons(tg: FakeTelegram, chatId: number, messageId: number): ButtonChoice[] {
  return buttonsOf(tg.transcript(chatId).find((m) => m.messageId === messageId));
}

const SENDING =
  /^(sendMessage|editMessageText|editMessageReplyMarkup|deleteMessage|sendDocument|sendPhoto|answerCallbackQuery)$/i;

/** The steps on top of running parts (a child bot or the whole app). */
export function guideSteps(parts: GuideParts): Guide {
  const { tg } = parts;
  return {
    tg,
    gemini: parts.gemini,
    unmatched: parts.unmatched,
    mark: (chatId) => ({ messageId: tg.transcript(chatId).at(-1)?.messageId ?? 0, presses: tg.presses(chatId).length }),
    async say(who, text, until, options = {}) {
      const { chatId = who.id, ...input } = options;
      tg.sendUserMessage({
        chatId,
        userId: who.id,
        firstName: who.firstName,
        ...(who.languageCode ? { languageCode: who.languageCode } : {}),
        text,
        ...input,
      });
      return tg.waitForBotMessage(chatId, until, { timeoutMs: WAIT_MS });
    },
    async tap(who, chatId, messageId, pick) {
      const button = currentButtons(tg, chatId, messageId).find(pick);
      assert.ok(
        button,
        `no such button on message #${messageId}: ${JSON.stringify(currentButtons(tg, chatId, messageId))}`,
      );
      const update = tg.pressButton({
        chatId,
        messageId,
        data: button.data,
        userId: who.id,
        firstName: who.firstName,
        ...(who.languageCode ? { languageCode: who.languageCode } : {}),
      });
      const id = update.callback_query?.id;
      await tg.waitFor(() => tg.callbackAnswers().some((a) => a.callbackQueryId === id), {
        timeoutMs: WAIT_MS,
        label: `the tap on "${button.text}" is answered`,
      });
    },
    render: (chatId, from) =>
      renderTranscript(tg, chatId, {
        ...(from ? { afterMessageId: from.messageId, afterPresses: from.presses } : {}),
        mask: parts.masks,
      }),
    async quiet(ms = 700) {
      const sent = () => tg.calls.filter((c) => SENDING.test(c.method)).length;
      const thinking = () => parts.gemini.requests.some((r) => r.kind !== 'embed' && r.status === 0);
      for (let i = 0; i < 40; i++) {
        const before = sent();
        await sleep(ms);
        if (sent() === before && !thinking() && !parts.busy?.()) return;
      }
    },
    close: parts.close,
  };
}

export interface ChildGuideOptions {
  rules: Rule[];
  /** ALLOWED_USER_IDS; none = owner mode (the pairing code from the log). */
  allowed?: number[];
  env?: Record<string, string>;
}

export interface ChildGuide extends Guide {
  bot: ChildBot;
  /** The pairing code the bot printed at start-up (owner mode); masked in renders. */
  pairingCode(): Promise<string>;
}

/** The real entry point (src/main.ts) in a child process on the guide's clock, against the fakes. */
export async function startChildGuide(options: ChildGuideOptions): Promise<ChildGuide> {
  const clock = guideClock();
  const tg = await createFakeTelegram({ now: clock.now });
  const gemini = await createFakeGemini();
  const db: TempDb = tempDbUrl('chat-guide');
  const unmatched: RecordedRequest[] = [];
  gemini.setHandler(dispatcher(options.rules, unmatched));
  const bot = await startBot({
    env: botEnv(tg, gemini, db.url, {
      ALLOWED_USER_IDS: (options.allowed ?? []).join(','),
      PORT: '0',
      LOG_LEVEL: 'info',
      GEMINI_ROUTER_MODEL: ROUTER_MODEL,
      GEMINI_MODEL: AGENT_MODEL,
      TZ: 'UTC',
      ...clock.env(),
      ...options.env,
    }),
  });
  const masks: Mask[] = [];
  let code: string | undefined;
  const steps = guideSteps({
    tg,
    gemini,
    unmatched,
    masks,
    // Every turn the bot started has finished (its info log says so).
    busy: () => {
      const msgs = bot.jsonLogs().map((l) => l.msg);
      return msgs.filter((m) => m === 'turn started').length > msgs.filter((m) => m === 'turn finished').length;
    },
    async close() {
      if (!bot.hasExited()) await bot.kill('SIGTERM');
      await tg.close();
      await gemini.close();
      await db.cleanup();
    },
  });
  return {
    ...steps,
    bot,
    async pairingCode() {
      if (code) return code;
      const line = await bot.waitForLog(
        (l, json) => typeof json?.pairing_code === 'string' || /\/start [A-Z0-9]{5}-[A-Z0-9]{5}/.test(l),
        WAIT_MS,
      );
      const parsed = /"pairing_code":"([^"]+)"/.exec(line)?.[1] ?? /\/start ([A-Z0-9]{5}-[A-Z0-9]{5})/.exec(line)?.[1];
      assert.ok(parsed, `a pairing code in: ${line}`);
      code = parsed;
      masks.push([code, SAMPLE_PAIRING_CODE]);
      return code;
    },
  };
}

/** Model requests that are background memory work (fact extraction, compaction): answered with nothing to keep. */
export const backgroundRule: Rule = (req) => {
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'Earlier: small talk.' };
  return undefined;
};

/** A bot message with at least one button whose text or data matches. */
export const withButton =
  (pattern: RegExp) =>
  (m: TranscriptEntry): boolean =>
    buttonsOf(m).some((b) => pattern.test(b.text) || pattern.test(b.data));

/** A bot message whose text matches. */
export const saying =
  (pattern: RegExp) =>
  (m: TranscriptEntry): boolean =>
    pattern.test(m.text);

/** Any bot message. */
export const anything = (): boolean => true;

/** A button whose text or callback data matches. */
export const button =
  (pattern: RegExp) =>
  (b: ButtonChoice): boolean =>
    pattern.test(b.text) || pattern.test(b.data);

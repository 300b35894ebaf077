/**
 * The whole app (src/app.ts, in-process) with the fake Bot API and Gemini, a local web page http_fetch may reach,
 * and one private-chat user who talks and presses approval buttons: the fixture of the whole-app approval tests.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from './fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from './fake-telegram.ts';
import { closeServer, listen } from './http-util.ts';
import { type WholeApp, type WholeAppOptions, startWholeApp } from './whole-app.ts';

export interface ApprovalApp {
  tg: FakeTelegram;
  gemini: FakeGemini;
  app: WholeApp;
  /** The local page's base URL (http://127.0.0.1:<port>). */
  siteBase: string;
  /** Sends the user's message (in their Telegram language, kept for later presses) and waits for a bot message. */
  say(text: string, expected: RegExp, options?: { languageCode?: string }): Promise<TranscriptEntry>;
  /** Waits for the next prompt with a button whose data ends with `suffix`. */
  promptWith(suffix: string): Promise<TranscriptEntry>;
  /** Presses the prompt's button whose data ends with `suffix`; waits for a later bot message matching `expected`. */
  press(prompt: TranscriptEntry, suffix: string, expected: RegExp): Promise<TranscriptEntry>;
  close(): Promise<void>;
}

export interface ApprovalAppOptions {
  userId: number;
  route: (req: RecordedRequest) => Reply | undefined;
  /** The local page's handler. */
  site: (req: IncomingMessage, res: ServerResponse) => void;
  /** Changes the loaded configuration (see `WholeAppOptions.config`). */
  config?: WholeAppOptions['config'];
}

/** Buttons of a bot message: their labels and callback data. */
export function buttonsOf(m: TranscriptEntry | undefined): { text: string; data: string }[] {
  const markup = m?.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data ?? '' }));
}

/** Starts the fixture; `close()` stops everything it started. */
export async function startApprovalApp(options: ApprovalAppOptions): Promise<ApprovalApp> {
  const USER = options.userId;
  const site = createServer(options.site);
  const siteBase = await listen(site);
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler(options.route);
  const app = await startWholeApp({
    tg,
    gemini,
    allowedUserIds: [USER],
    allowPrivateFetch: true,
    ...(options.config ? { config: options.config } : {}),
  });
  const wait = { timeoutMs: 15_000 };
  // Telegram sends the user's language with every update, button presses included.
  let languageCode: string | undefined;
  return {
    tg,
    gemini,
    app,
    siteBase,
    async say(text, expected, extra = {}) {
      languageCode = extra.languageCode;
      tg.sendUserMessage({ chatId: USER, text, ...extra });
      return tg.waitForBotMessage(USER, (m) => expected.test(m.text), wait);
    },
    promptWith: (suffix) => tg.waitForBotMessage(USER, (m) => buttonsOf(m).some((b) => b.data.endsWith(suffix)), wait),
    async press(prompt, suffix, expected) {
      const data = buttonsOf(prompt).find((b) => b.data.endsWith(suffix))?.data;
      assert.ok(data, `button ${suffix} on: ${prompt.text}`);
      tg.pressButton({
        chatId: USER,
        messageId: prompt.messageId,
        data,
        userId: USER,
        ...(languageCode ? { languageCode } : {}),
      });
      return tg.waitForBotMessage(USER, (m) => expected.test(m.text), { ...wait, since: prompt.messageId });
    },
    async close() {
      await app.close();
      await tg.close();
      await gemini.close();
      await closeServer(site);
    },
  };
}

/**
 * The screens of docs/chat-guide.md, in order, with their captions. The guide tests render each screen's transcript
 * (test/guide/*.test.ts, with WRITE_CHAT_GUIDE=1) into FRAGMENT_DIR; scripts/chat-guide.ts puts them together.
 */

export interface ScreenInfo {
  id: string;
  title: string;
  /** One line under the title. */
  caption: string;
}

export const SCREENS = [
  {
    id: 'first-contact',
    title: 'First contact and /start',
    caption:
      'A new bot has no owner. Whoever sends /start with the one-time pairing code from the log becomes the owner; the bot then asks for the time zone.',
  },
  {
    id: 'language',
    title: 'In Russian',
    caption:
      "The bot's own texts follow the language of the person's Telegram app (English and Russian; /language changes it).",
  },
  { id: 'help', title: '/help', caption: 'What the bot can do and its commands, answered without the model.' },
  { id: 'question', title: 'A plain question', caption: 'A question the bot answers straight away.' },
  { id: 'voice', title: 'A voice message', caption: 'Voice messages are understood and answered like text.' },
  {
    id: 'reminder-set',
    title: 'Setting a reminder',
    caption: 'Times are worked out by the server in your time zone, never by the model.',
  },
  { id: 'jobs', title: '/jobs', caption: 'Your reminders and scheduled tasks, with buttons to manage them.' },
  { id: 'reminder-fires', title: 'The reminder fires', caption: 'Posted at the time asked for, without a model call.' },
  {
    id: 'memory',
    title: 'Remembering something, and /memory',
    caption: 'Facts you ask it to keep, and how to review them.',
  },
  { id: 'why', title: '/why', caption: 'Which saved facts and past messages the last answer used.' },
  {
    id: 'approval',
    title: 'Approving a web fetch',
    caption: 'Reading a page outside the allowed sites waits for your decision.',
  },
  {
    id: 'retry',
    title: 'An error, and Retry',
    caption: 'When Gemini fails, the message says what to do and Retry runs the message again.',
  },
  {
    id: 'stranger',
    title: 'A stranger asks for access',
    caption: "Someone the owner hasn't approved writes to the bot: the owner decides with one tap.",
  },
  {
    id: 'group',
    title: 'In a group',
    caption: 'The bot answers only when mentioned, replied to or given a command; other chatter is ignored.',
  },
] as const satisfies readonly ScreenInfo[];

export type ScreenId = (typeof SCREENS)[number]['id'];

/** One chat of a screen: a heading when a screen shows more than one chat, and the rendered transcript. */
export interface ScreenPart {
  heading?: string;
  transcript: string;
}

/** What a guide test writes for one screen. */
export interface ScreenFragment {
  id: ScreenId;
  parts: ScreenPart[];
}

/** Where the guide tests write their fragments (relative to the repository root; git-ignored). */
export const FRAGMENT_DIR = 'data/chat-guide';

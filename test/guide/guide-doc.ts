/**
 * Puts the chat guide together from the screens' fragments: a title, how to regenerate it, how to read it, then each
 * screen with its caption and transcript. Pure, so scripts/chat-guide.ts and the tests share it.
 */
import { SCREENS, type ScreenFragment } from './screens.ts';

export const GUIDE_PATH = 'docs/chat-guide.md';

/** A code fence longer than any run of backticks starting a line in `text`, so a transcript can't close it early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/^`+/gm)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The Markdown of docs/chat-guide.md. Throws, naming them, when screens have no fragment. */
export function renderGuide(fragments: readonly ScreenFragment[]): string {
  const byId = new Map(fragments.map((f) => [f.id, f]));
  const missing = SCREENS.filter((s) => !byId.has(s.id)).map((s) => s.id);
  if (missing.length > 0) {
    throw new Error(
      `No transcript for: ${missing.join(', ')}. Run "npm run guide" (the tests write them with WRITE_CHAT_GUIDE=1).`,
    );
  }
  const out: string[] = [
    '# Chat guide',
    '',
    'What a user sees in the chat, screen by screen. Generated from the end-to-end tests in `test/guide/` (the real bot',
    'against fake Telegram and Gemini servers, on a clock fixed at Thursday 12 March 2026, 09:00 in Berlin): regenerate',
    'it with `npm run guide`, never edit it by hand.',
    '',
    'How to read it: 👤 is you (or a group member), 🤖 the bot, `[…]` a button, "tap" a button press, "(toast: …)" the',
    "short notice Telegram shows after a tap; \\*bold\\*, \\_italic\\_ and \\`code\\` stand for the bot's formatting.",
  ];
  SCREENS.forEach((screen, i) => {
    out.push('', `## ${i + 1}. ${screen.title}`, '', screen.caption);
    for (const part of byId.get(screen.id)?.parts ?? []) {
      const fence = fenceFor(part.transcript);
      if (part.heading) out.push('', `**${part.heading}**`);
      out.push('', `${fence}text`, part.transcript, fence);
    }
  });
  return `${out.join('\n')}\n`;
}

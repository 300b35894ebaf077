/**
 * The floor for the end-to-end benchmark: the least a Telegram bot backed by Gemini can do per message.
 * A bare grammY bot (built-in long polling) that answers every text message with one `generateContent` call and
 * one `ctx.reply`. No database, no memory, no streaming, no journal. Run as a child process by scripts/bench/e2e.ts
 * with the same environment variables the real bot reads.
 */
import { GoogleGenAI } from '@google/genai';
import { Bot } from 'grammy';

const token = process.env.TELEGRAM_BOT_TOKEN ?? '';
const apiRoot = process.env.TELEGRAM_API_ROOT ?? 'https://api.telegram.org';
const model = process.env.GEMINI_ROUTER_MODEL ?? 'gemini-2.5-flash-lite';
const ai = new GoogleGenAI({
  apiKey: process.env.GEMINI_API_KEY ?? '',
  ...(process.env.GEMINI_BASE_URL
    ? { httpOptions: { baseUrl: process.env.GEMINI_BASE_URL, apiVersion: 'v1beta' } }
    : {}),
});

const bot = new Bot(token, { client: { apiRoot } });
bot.on('message:text', async (ctx) => {
  const result = await ai.models.generateContent({ model, contents: ctx.message.text });
  await ctx.reply(result.text || '…');
});
bot.catch((err) => {
  process.stderr.write(`floor bot error: ${err.message}\n`);
});

const stop = (): void => {
  void bot.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await bot.start({ drop_pending_updates: false });

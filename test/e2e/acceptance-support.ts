/**
 * Helpers for the acceptance tests that drive the real entry point (`src/main.ts` in a child process)
 * against the fake Telegram and the fake Gemini. The child runs in another process, so the fake Gemini
 * is scripted by request content: which model, which system prompt, which user text, which function
 * response came last.
 */
import type { Content } from '@google/genai';
import type { RecordedRequest, Reply } from '../support/fake-gemini.ts';
import type { TranscriptEntry } from '../support/fake-telegram.ts';

/** Distinct model ids so the router and the agents are told apart by model. */
export const ROUTER_MODEL = 'gemini-2.5-flash-lite';
export const AGENT_MODEL = 'gemini-2.5-flash';

/** Opening lines of the prompts in config/prompts and src/memory/extraction.ts. */
export const SYSTEM = {
  router: 'You are the routing layer of a personal assistant',
  assistant: 'You are a helpful, warm and concise personal assistant',
  planner: "You manage the user's reminders, scheduled tasks and saved memory",
  researcher: 'You look things up on the web for the user',
  extraction: 'You extract durable facts about the user',
  summary: 'You compress the older part of a chat',
} as const;

export type Role = keyof typeof SYSTEM;

/** Which prompt a generate request was made with. */
export function roleOf(req: RecordedRequest): Role | undefined {
  for (const [role, start] of Object.entries(SYSTEM) as [Role, string][])
    if (req.systemText.includes(start)) return role;
  return undefined;
}

export const isGenerate = (r: RecordedRequest): boolean => r.kind === 'generate' || r.kind === 'stream';

/** Background memory work (fact extraction, thread compaction) as opposed to calls made for the turn itself. */
export const isBackground = (r: RecordedRequest): boolean => {
  const role = roleOf(r);
  return role === 'extraction' || role === 'summary';
};

export interface FunctionResponsePart {
  name: string;
  response: Record<string, unknown>;
}

/** The function responses in the last content of a request (empty when the last turn is user text). */
export function lastFunctionResponses(req: RecordedRequest): FunctionResponsePart[] {
  const last = req.contents.at(-1);
  const out: FunctionResponsePart[] = [];
  for (const part of last?.parts ?? []) {
    const fr = part.functionResponse;
    if (fr?.name) out.push({ name: fr.name, response: (fr.response ?? {}) as Record<string, unknown> });
  }
  return out;
}

/** All text of a request's contents (history and current turn), for "did the model see X" checks. */
export function contentsText(contents: Content[]): string {
  return contents
    .flatMap((c) => c.parts ?? [])
    .map((p) => p.text ?? '')
    .join('\n');
}

export type Rule = (req: RecordedRequest) => Reply | undefined;

/** First rule that answers wins; a request no rule answers fails loudly in the chat and in the test. */
export function dispatcher(rules: Rule[], unmatched: RecordedRequest[]): (req: RecordedRequest) => Reply {
  return (req) => {
    for (const rule of rules) {
      const reply = rule(req);
      if (reply) return reply;
    }
    unmatched.push(req);
    return { text: `UNSCRIPTED ${roleOf(req) ?? req.model}: ${req.lastUserText.slice(0, 80)}` };
  };
}

/** Router rule: delegate to `agent` when the user text matches. */
export function delegate(match: RegExp, agent: 'assistant' | 'planner' | 'researcher'): Rule {
  return (req) => {
    if (req.model !== ROUTER_MODEL || roleOf(req) !== 'router' || lastFunctionResponses(req).length > 0)
      return undefined;
    if (!match.test(req.lastUserText)) return undefined;
    return { functionCalls: [{ name: `agent_${agent}`, args: { task: req.lastUserText } }] };
  };
}

/** Inline keyboard buttons of a bot message, flattened. */
export function buttonsOf(m: TranscriptEntry | undefined): { text: string; data: string }[] {
  const markup = m?.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data ?? '' }));
}

/** Link destinations of a bot message (text_link entities and plain URLs). */
export function linksOf(m: TranscriptEntry): string[] {
  const links = m.entities.flatMap((e) =>
    e.type === 'text_link' && 'url' in e && typeof e.url === 'string' ? [e.url] : [],
  );
  for (const match of m.text.matchAll(/https?:\/\/\S+/g)) links.push(match[0]);
  return links;
}

/** "14:05" in a time zone. */
export function clockIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    ms,
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

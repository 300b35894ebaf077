import { Composer } from 'grammy';
import { z } from 'zod';
import { toError } from '../../core/errors.ts';
import type { ChatRef, Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import type { Fact } from '../../memory/facts.ts';
import type { Memory } from '../../memory/memory.ts';
import type { Privacy, WipeReport } from '../../privacy/privacy.ts';
import { scopeOf } from '../../memory/scope.ts';
import { clip, isoDate } from '../../memory/text.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerStaleButton } from '../stale-button.ts';

export const memoryCommands = [
  { command: 'memory', description: 'What I remember about you (with delete buttons)' },
  { command: 'forget', description: 'Forget something: /forget <what>' },
  { command: 'why', description: 'Which memories my last answer used' },
  { command: 'export', description: 'Download your data as JSON' },
  { command: 'wipe', description: 'Erase everything I store about you' },
];

export interface MemoryFeatureDeps {
  memory: Memory;
  outbox: Outbox;
  /** Facts per /memory page (5–10). Default 6. */
  pageSize?: number;
  /** Lines of this user's latest approvals/questions audit trail in a chat (shown by /why); never another member's. */
  auditTrail?: (chat: ChatRef, userId: number) => Promise<string[]>;
  /** /export and /wipe across every table; without it they cover memory only. */
  privacy?: Privacy;
}

const ID = '[A-Za-z0-9_-]{4,40}';
/** `mem:p:<page>:<owner>` page, `mem:d:<factId>:<page>` delete, `mem:(fy|fn|wy|wn):<pendingId>` confirmations. */
const memData = z.union([
  z
    .string()
    .regex(/^mem:p:\d{1,4}:\d{1,15}$/)
    .transform((s) => {
      const [, , page, owner] = s.split(':');
      return { type: 'page' as const, page: Number(page), owner: Number(owner) };
    }),
  z
    .string()
    .regex(new RegExp(`^mem:d:${ID}:\\d{1,4}$`))
    .transform((s) => {
      const [, , id, page] = s.split(':');
      return { type: 'delete' as const, id: id as string, page: Number(page) };
    }),
  z
    .string()
    .regex(new RegExp(`^mem:(fy|fn|wy|wn):${ID}$`))
    .transform((s) => {
      const [, action, id] = s.split(':');
      return { type: 'confirm' as const, action: action as 'fy' | 'fn' | 'wy' | 'wn', id: id as string };
    }),
]);

const forgetPayload = z.object({ factIds: z.array(z.string()).min(1).max(20), query: z.string() });

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

function factLine(f: Fact, n: number): string {
  return `${n}. ${f.text} — ${f.category}, ${isoDate(f.confirmedAt)}`;
}

/** The /memory message for one page: numbered facts, one 🗑 per fact, ◀ ▶ when there is more than one page. */
export function renderMemoryPage(facts: Fact[], total: number, page: number, pageSize: number, owner: number): OutMessage {
  if (total === 0) {
    return {
      text: 'I don’t remember anything about you in this chat yet.\nTell me things like "remember that I’m vegetarian" and I’ll keep them.',
      format: 'plain',
    };
  }
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const lines = facts.map((f, i) => factLine(f, page * pageSize + i + 1));
  const keyboard: Keyboard = [];
  const deletes = facts.map((f, i) => ({ text: `🗑 ${page * pageSize + i + 1}`, data: `mem:d:${f.id}:${page}` }));
  for (let i = 0; i < deletes.length; i += 5) keyboard.push(deletes.slice(i, i + 5));
  if (pages > 1) {
    const nav = [];
    if (page > 0) nav.push({ text: '◀', data: `mem:p:${page - 1}:${owner}` });
    nav.push({ text: `${page + 1}/${pages}`, data: `mem:p:${page}:${owner}` });
    if (page < pages - 1) nav.push({ text: '▶', data: `mem:p:${page + 1}:${owner}` });
    keyboard.push(nav);
  }
  return {
    text: [`🧠 What I remember about you here (${total}):`, ...lines, '', 'Tap 🗑 to make me forget one for good.'].join('\n'),
    format: 'plain',
    keyboard,
  };
}

/**
 * `/memory` (paged facts with 🗑), `/forget <text>` (preview, then Confirm/Cancel), `/why`, `/export` (JSON file)
 * and `/wipe` (after confirmation). Buttons only act for the user they belong to.
 */
export function createMemoryFeature(deps: MemoryFeatureDeps): Composer<BotContext> {
  const { memory, outbox } = deps;
  const pageSize = Math.min(10, Math.max(5, deps.pageSize ?? 6));
  const composer = new Composer<BotContext>();

  async function send(to: ChatRef, message: OutMessage): Promise<void> {
    const d = await outbox.send(to, message);
    if (!d.ok) throw new Error(`could not send: ${d.reason} ${d.message}`);
  }

  async function showPage(ctx: BotContext, page: number, edit: boolean): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    if (!to || !user) return;
    let { facts, total } = await memory.listFacts(user.id, to, page, pageSize);
    let p = page;
    if (facts.length === 0 && total > 0) {
      p = Math.max(0, Math.ceil(total / pageSize) - 1);
      ({ facts, total } = await memory.listFacts(user.id, to, p, pageSize));
    }
    const message = renderMemoryPage(facts, total, p, pageSize, user.id);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (edit && messageId !== undefined) await outbox.edit(to, messageId, message);
    else await send(to, message);
  }

  composer.command('memory', async (ctx) => {
    await showPage(ctx, 0, false);
  });

  composer.command('forget', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const phrase = ctx.match.trim();
    if (!phrase) {
      await send(to, { text: 'Tell me what to forget, e.g. /forget my address. Or send /memory to pick from a list.', format: 'plain' });
      return;
    }
    const matches = (await memory.findFacts(ctx.from.id, to, phrase)).slice(0, 10);
    if (matches.length === 0) {
      await send(to, {
        text: `I have nothing saved that matches “${clip(phrase, 80)}”. Send /memory to see everything I remember.`,
        format: 'plain',
      });
      return;
    }
    const pending = await memory.savePending(ctx.from.id, 'forget', { factIds: matches.map((f) => f.id), query: phrase });
    await send(to, {
      text: [`Forget ${matches.length === 1 ? 'this' : `these ${matches.length}`}?`, ...matches.map((f, i) => factLine(f, i + 1))].join('\n'),
      format: 'plain',
      keyboard: [
        [
          { text: '🗑 Confirm', data: `mem:fy:${pending}` },
          { text: 'Cancel', data: `mem:fn:${pending}` },
        ],
      ],
    });
  });

  composer.command('why', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    // Only the asker's own answer and runs: in a group, other members' memories and approvals stay theirs.
    const last = await memory.lastUsed(to, ctx.from.id);
    const trail = (await deps.auditTrail?.(to, ctx.from.id).catch(() => [])) ?? [];
    if (!last && trail.length === 0) {
      await send(to, { text: 'I haven’t answered anything for you in this chat yet.', format: 'plain' });
      return;
    }
    const lines: string[] = [];
    if (!last) {
      // Only a paused task so far: its trail below is all there is.
    } else if (last.facts.length === 0 && last.messages.length === 0) {
      lines.push('My last answer didn’t use any saved facts or past conversations — only this chat’s recent messages.');
    } else {
      if (last.facts.length > 0) {
        lines.push('Facts I used:');
        for (const f of last.facts) lines.push(`• ${f.text ?? '(since forgotten)'}`);
      }
      if (last.messages.length > 0) {
        if (lines.length > 0) lines.push('');
        lines.push('Past messages I recalled:');
        for (const m of last.messages) {
          lines.push(m.text === undefined ? '• (since deleted)' : `• ${m.at ? `${isoDate(m.at)}: ` : ''}“${clip(m.text, 160)}”`);
        }
      }
      lines.push('', 'Send /memory to review or delete facts.');
    }
    if (trail.length > 0) {
      if (lines.length > 0) lines.push('');
      lines.push('Approvals and questions in my latest paused task:', ...trail.map((l) => `• ${l}`));
    }
    await send(to, { text: lines.join('\n'), format: 'plain' });
  });

  composer.command('export', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    if (to.type !== 'private') {
      await send(to, { text: 'For your privacy, send /export to me in a private chat.', format: 'plain' });
      return;
    }
    const full = deps.privacy ? await deps.privacy.exportUser(ctx.from.id) : undefined;
    const data = full ?? (await memory.exportUser(ctx.from.id));
    const bytes = new TextEncoder().encode(JSON.stringify(data, null, 2));
    const more = full ? `, ${full.schedules.length} schedules, ${full.requests.length} paused requests` : '';
    const d = await outbox.sendDocument(to, {
      name: 'my-data.json',
      data: bytes,
      caption: `Your data: ${data.facts.length} facts, ${data.messages.length} messages${more}.`,
    });
    if (!d.ok) {
      ctx.log.warn({ reason: d.reason }, '/export document failed');
      await send(to, { text: 'I couldn’t send the file just now. Please try /export again in a minute.', format: 'plain' });
    }
  });

  composer.command('wipe', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    if (to.type !== 'private') {
      await send(to, { text: 'For your privacy, send /wipe to me in a private chat.', format: 'plain' });
      return;
    }
    const pending = await memory.savePending(ctx.from.id, 'wipe', {});
    await send(to, {
      text: 'Erase everything I store about you — messages, facts, conversation history, schedules, pending requests and settings, in every chat? Your access to the bot stays. This can’t be undone. (Tip: /export first.)',
      format: 'plain',
      keyboard: [
        [
          { text: '⚠️ Yes, erase everything', data: `mem:wy:${pending}` },
          { text: 'Cancel', data: `mem:wn:${pending}` },
        ],
      ],
    });
  });

  composer.callbackQuery(/^mem:/, async (ctx) => {
    const parsed = memData.safeParse(ctx.callbackQuery.data);
    const user = ctx.from;
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    if (!parsed.success || !to) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date. Send /memory for a fresh list.' });
      return;
    }
    const data = parsed.data;
    try {
      if (data.type === 'page') {
        if (data.owner !== user.id) {
          await ctx.answerCallbackQuery({ text: 'This list belongs to someone else. Send /memory to see yours.', show_alert: true });
          return;
        }
        await ctx.answerCallbackQuery();
        await showPage(ctx, data.page, true);
        return;
      }
      if (data.type === 'delete') {
        const fact = await memory.getFact(data.id);
        if (!fact) {
          await ctx.answerCallbackQuery({ text: 'Already forgotten.' });
          await showPage(ctx, data.page, true);
          return;
        }
        if (fact.userId !== user.id || fact.scope !== scopeOf(user.id, to)) {
          await ctx.answerCallbackQuery({ text: 'Only the person this is about can delete it.', show_alert: true });
          return;
        }
        await memory.forgetFacts(user.id, [fact.id]);
        await ctx.answerCallbackQuery({ text: 'Forgotten for good.' });
        await showPage(ctx, data.page, true);
        return;
      }
      const kind = data.action === 'fy' || data.action === 'fn' ? 'forget' : 'wipe';
      const payload = await memory.takePending(data.id, user.id, kind);
      if (payload === undefined && to.type === 'private' && to.chatId === user.id) {
        // A confirmation in the presser's own private chat is theirs: it is dead for good, so its buttons go.
        return await answerStaleButton(ctx, outbox, 'This confirmation has expired or was already used. Send the command again.', { alert: true });
      }
      if (payload === undefined) {
        await ctx.answerCallbackQuery({
          text: 'This confirmation expired or belongs to someone else. Send the command again.',
          show_alert: true,
        });
        return;
      }
      let result: string;
      if (data.action === 'fn' || data.action === 'wn') {
        result = 'Cancelled — nothing was deleted.';
      } else if (data.action === 'fy') {
        const p = forgetPayload.safeParse(payload);
        const removed = p.success ? await memory.forgetFacts(user.id, p.data.factIds) : [];
        result =
          removed.length === 0
            ? 'Those facts were already gone.'
            : [`🗑 Forgotten for good (${removed.length}):`, ...removed.map((f) => `• ${f.text}`)].join('\n');
      } else if (deps.privacy) {
        // Answer the button now: a wipe waits for running work and may take longer than Telegram waits.
        await ctx.answerCallbackQuery({ text: 'Erasing…' });
        let r: WipeReport;
        try {
          r = await deps.privacy.wipeUser(user.id);
        } catch (err) {
          ctx.log.error({ err: toError(err) }, '/wipe failed');
          result = 'Something went wrong while erasing, so some of your data may still be here. Please send /wipe again.';
          if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
          return;
        }
        const counts = [count(r.messages, 'message'), count(r.facts, 'fact')];
        if (r.schedules > 0) counts.push(count(r.schedules, 'schedule'));
        if (r.requests > 0) counts.push(count(r.requests, 'pending request'));
        result = `Done. I erased ${counts.join(', ')} and everything else I kept about you. I’m starting fresh with you.`;
        if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
        return;
      } else {
        const r = await memory.wipeUser(user.id);
        result = `Done. I erased ${r.messages} messages and ${r.facts} facts. I’m starting fresh with you.`;
      }
      await ctx.answerCallbackQuery({ text: data.action.endsWith('n') ? 'Cancelled.' : 'Done.' });
      if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
    } catch (err) {
      ctx.log.error({ err: toError(err), data: ctx.callbackQuery.data }, 'memory button failed');
      await ctx.answerCallbackQuery({ text: 'Something went wrong. Please try again.', show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}

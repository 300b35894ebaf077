/**
 * /why in plain language: what the last answer used (facts, earlier conversations, files, web pages) and what it did
 * (tools, approvals, questions), as sentences. Pure; the raw view lives behind the Details button.
 */
import type { TurnAction, TurnActivity } from '../core/activity.ts';
import type { Locale } from '../i18n/locale.ts';
import { factForDisplay } from './fact-display.ts';
import { clip } from './text.ts';
import { whyTexts } from './why-texts.ts';

/** How a paused call was settled (see approvals/audit.ts), as /why needs it. */
export interface WhyDecision {
  kind: 'approval' | 'question';
  tool: string;
  outcome: 'approved' | 'denied' | 'expired' | 'answered' | 'waiting';
  by?: number;
  name?: string;
  fallback?: string;
  question?: string;
  answer?: string;
  target?: string;
}

export interface WhyInput {
  /** Who asked /why (decisions they made read "you"). */
  userId: number;
  /** The last answer, when there is one. */
  last?: {
    facts: { text: string | undefined }[];
    messages: { text: string | undefined; at: number | undefined }[];
    activity?: TurnActivity;
  };
  decisions: Record<string, WhyDecision>;
  /** Calls of a newer paused request that still wait for a person. */
  waiting: WhyDecision[];
  /** "3 May" in the user's time zone. */
  date: (at: number) => string;
  /** The asker's language (English by default). */
  locale?: Locale;
}

type Texts = ReturnType<typeof whyTexts>;

/** What a tool did, as a verb phrase: [done, wanted-to]. */
function phrase(t: Texts, action: Pick<TurnAction, 'tool' | 'target'>): [string, string] {
  const p = { tool: action.tool, target: action.target };
  return [t.toolDone(p), t.toolWanted(p)];
}

function who(t: Texts, d: WhyDecision, userId: number): { by: string; you: boolean } {
  const you = d.by === userId;
  return { by: you ? t.you : d.name || t.someone, you };
}

function questionSentence(t: Texts, d: WhyDecision | undefined, userId: number): string {
  const q = d?.question ? `“${clip(d.question, 120)}”` : t.aQuestion;
  if (d?.outcome === 'answered') return t.askedAnswered({ q, ...who(t, d, userId), answer: clip(d.answer ?? '', 120) });
  if (d?.outcome === 'expired') return t.askedExpired({ q });
  return t.asked({ q });
}

function actionSentence(t: Texts, action: TurnAction, d: WhyDecision | undefined, userId: number): string {
  if (action.tool === 'ask_user') return questionSentence(t, d, userId);
  const [done, wanted] = phrase(t, action);
  if (d?.outcome === 'denied') return t.wantedDenied({ wanted, ...who(t, d, userId) });
  if (d?.outcome === 'expired' && d.fallback !== 'approve') return t.wantedExpired({ wanted });
  let note = '';
  if (d?.outcome === 'approved') note = t.approvedBy(who(t, d, userId));
  else if (d?.outcome === 'expired') note = t.wentAhead;
  if (action.ok === false) return t.triedFailed({ wanted, note });
  return t.did({ done, note });
}

function fileSentence(t: Texts, files: TurnActivity['files']): string | undefined {
  if (files.length === 0) return undefined;
  const items = files.map((f) => {
    const name = f.name ? ` (${clip(f.name, 60)})` : '';
    if (f.mimeType.startsWith('image/')) return t.photo({ name });
    if (f.mimeType.startsWith('audio/')) return t.voice({ name });
    if (f.mimeType.startsWith('video/')) return t.video({ name });
    return t.file({ name });
  });
  return t.lookedAt({ items });
}

function memorySentences(t: Texts, last: NonNullable<WhyInput['last']>, date: WhyInput['date']): string[] {
  const lines: string[] = [];
  const facts = last.facts;
  if (facts.length > 0) {
    lines.push(t.usedFacts({ n: facts.length }));
    for (const f of facts) lines.push(`• ${f.text === undefined ? t.forgottenFact : factForDisplay(f.text)}`);
  }
  const msgs = last.messages;
  const [m] = msgs;
  if (m && msgs.length === 1) {
    lines.push(
      m.text === undefined
        ? t.earlierDeleted
        : t.earlierOne({ date: m.at ? date(m.at) : undefined, text: clip(m.text, 160) }),
    );
  } else if (msgs.length > 1) {
    lines.push(t.earlierMany({ n: msgs.length }));
    for (const m of msgs) {
      lines.push(
        m.text === undefined ? t.earlierItemDeleted : `• ${m.at ? `${date(m.at)}: ` : ''}“${clip(m.text, 160)}”`,
      );
    }
  }
  return lines;
}

function activitySentences(t: Texts, activity: TurnActivity, input: WhyInput): string[] {
  const lines: string[] = [];
  const files = fileSentence(t, activity.files);
  if (files) lines.push(files);
  if (activity.web.hosts.length > 0) lines.push(t.webPages({ hosts: activity.web.hosts.slice(0, 5).join(', ') }));
  else if (activity.web.searches > 0) lines.push(t.webSearched);
  const seen = new Set<string>();
  for (const action of activity.tools) {
    const sentence = actionSentence(t, action, input.decisions[action.callId], input.userId);
    if (seen.has(sentence)) continue;
    seen.add(sentence);
    lines.push(sentence);
  }
  for (const g of activity.guards ?? []) {
    if (g.action === 'halt') lines.push(t.guardHalted(g));
    else if (g.action === 'redact') lines.push(t.guardRedacted(g));
    else lines.push(t.guardFlagged(g));
  }
  return lines;
}

/** The plain-language /why text, in the asker's language. */
export function explainAnswer(input: WhyInput): string {
  const t = whyTexts(input.locale ?? 'en');
  const { last } = input;
  const lines: string[] = [];
  if (last) {
    lines.push(...memorySentences(t, last, input.date));
    if (last.activity) lines.push(...activitySentences(t, last.activity, input));
    if (lines.length === 0) lines.push(t.nothingUsed);
    if (last.facts.length > 0) lines.push('', t.seeMemory);
  }
  if (input.waiting.length > 0) {
    if (lines.length > 0) lines.push('');
    for (const w of input.waiting) {
      if (w.kind === 'question') lines.push(t.waitingAnswer({ q: w.question ? clip(w.question, 120) : undefined }));
      else lines.push(t.waitingOk({ wanted: phrase(t, w)[1] }));
    }
  }
  if (lines.length === 0) return t.noAnswerYet;
  return lines.join('\n');
}

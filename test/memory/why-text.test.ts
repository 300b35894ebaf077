import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ACTIVITY } from '../../src/core/activity.ts';
import { explainAnswer, type WhyInput } from '../../src/memory/why-text.ts';

const ME = 1;
const date = (at: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(at);
const MAY3 = Date.UTC(2026, 4, 3, 9);
const input = (over: Partial<WhyInput>): WhyInput => ({ userId: ME, decisions: {}, waiting: [], date, ...over });

describe('/why in sentences', () => {
  it('facts, an earlier conversation, files and web pages', () => {
    const text = explainAnswer(
      input({
        last: {
          facts: [{ text: 'User works as a nurse' }, { text: undefined }],
          messages: [{ text: 'My shift starts at 7 on Mondays', at: MAY3 }],
          activity: {
            tools: [],
            files: [{ mimeType: 'image/jpeg' }, { mimeType: 'application/pdf', name: 'rota.pdf' }],
            web: { searches: 1, hosts: ['bbc.co.uk'] },
          },
        },
      }),
    );
    assert.equal(
      text,
      [
        'I used two things I remember about you:',
        '• You work as a nurse',
        '• something you’ve since asked me to forget',
        'I looked at an earlier conversation from 3 May: “My shift starts at 7 on Mondays”',
        'I looked at the photo you sent and the file you sent (rota.pdf).',
        'I searched the web and used pages from bbc.co.uk.',
        '',
        'Send /memory to see or change what I remember.',
      ].join('\n'),
    );
  });

  it('actions with who approved, denied, let expire or answered', () => {
    const tools = [
      { tool: 'http_fetch', callId: 'a', target: 'example.com', ok: true },
      { tool: 'schedule_delete', callId: 'b', ok: false },
      { tool: 'forget', callId: 'c', ok: false },
      { tool: 'ask_user', callId: 'd', ok: true },
      { tool: 'current_time', callId: 'e', ok: true },
      { tool: 'current_time', callId: 'f', ok: true },
      { tool: 'http_fetch', callId: 'g', target: 'example.org', ok: false },
    ];
    const text = explainAnswer(
      input({
        last: { facts: [], messages: [], activity: { ...EMPTY_ACTIVITY, tools } },
        decisions: {
          a: { kind: 'approval', tool: 'http_fetch', outcome: 'approved', by: 2, name: 'Ann' },
          b: { kind: 'approval', tool: 'schedule_delete', outcome: 'denied', by: ME, name: 'Me' },
          c: { kind: 'approval', tool: 'forget', outcome: 'expired', fallback: 'deny' },
          d: {
            kind: 'question',
            tool: 'ask_user',
            outcome: 'answered',
            question: 'Which day?',
            answer: 'Friday',
            by: ME,
          },
        },
        waiting: [{ kind: 'approval', tool: 'http_fetch', outcome: 'waiting', target: 'news.example' }],
      }),
    );
    assert.equal(
      text,
      [
        'I fetched example.com (Ann approved it).',
        'I wanted to delete one of your schedules, but you said no.',
        'I wanted to forget something, but no one answered in time, so I didn’t.',
        'I asked “Which day?” and you answered “Friday”.',
        'I checked the current time.',
        'I tried to fetch example.org, but it didn’t work.',
        '',
        'I’m still waiting for an OK to fetch news.example.',
      ].join('\n'),
    );
  });

  it('nothing used, and nothing answered yet', () => {
    assert.match(
      explainAnswer(input({ last: { facts: [], messages: [], activity: EMPTY_ACTIVITY } })),
      /only used our recent messages/,
    );
    assert.equal(explainAnswer(input({})), 'I haven’t answered anything for you in this chat yet.');
  });
});

describe('/why in Russian', () => {
  const facts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `User likes tea ${i}` }));
  const ru = (over: Partial<WhyInput>) => explainAnswer(input({ locale: 'ru', ...over }));

  it('counts facts and conversations with Russian plural forms', () => {
    assert.match(ru({ last: { facts: facts(1), messages: [] } }), /^Я использовал 1 факт о вас:/);
    assert.match(ru({ last: { facts: facts(3), messages: [] } }), /^Я использовал 3 факта о вас:/);
    assert.match(ru({ last: { facts: facts(5), messages: [] } }), /^Я использовал 5 фактов о вас:/);
    const msgs = [
      { text: 'a', at: MAY3 },
      { text: 'b', at: MAY3 },
    ];
    assert.match(ru({ last: { facts: [], messages: msgs } }), /^Я посмотрел 2 прошлых разговора:/);
  });

  it('says who approved or declined an action', () => {
    const tools = [{ callId: 'c1', tool: 'http_fetch', target: 'example.org', ok: true }];
    const activity = { ...EMPTY_ACTIVITY, tools };
    const approved = ru({
      last: { facts: [], messages: [], activity },
      decisions: { c1: { kind: 'approval', tool: 'http_fetch', outcome: 'approved', by: ME } },
    });
    assert.equal(approved, 'Я открыл example.org (вы разрешили).');
    const denied = ru({
      last: { facts: [], messages: [], activity },
      decisions: { c1: { kind: 'approval', tool: 'http_fetch', outcome: 'denied', by: 2, name: 'Аня' } },
    });
    assert.equal(denied, 'Я хотел открыть example.org, но Аня отказал(а).');
    assert.equal(ru({}), 'В этом чате я вам ещё ничего не отвечал.');
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCallback, encodeCallback } from '../../src/approvals/callback-data.ts';
import { createApprovalPolicy, hostMatches } from '../../src/approvals/policy.ts';
import { approvalsConfigSchema, parseDuration } from '../../src/approvals/policy-schema.ts';
import { summarizeArgs } from '../../src/approvals/arg-summary.ts';

const shipped = approvalsConfigSchema.parse(JSON.parse(readFileSync('config/approvals.json', 'utf8')));

describe('approvals policy', () => {
  const policy = createApprovalPolicy(shipped);

  it('requires approval for risky built-ins and nothing else by default', () => {
    for (const tool of ['schedule_delete', 'forget', 'memory_wipe', 'note_delete', 'delete_everything']) {
      const v = policy.evaluate(tool, {});
      assert.equal(v.required, true, tool);
    }
    for (const tool of ['remember', 'recall', 'schedule_create', 'current_time', 'agent_planner', 'not_listed']) {
      assert.equal(policy.evaluate(tool, {}).required, false, tool);
    }
    const v = policy.evaluate('schedule_delete', { id: 'x' });
    assert.ok(v.required);
    assert.equal(v.timeoutMs, 600_000);
    assert.equal(v.scheduledTimeoutMs, 300_000);
    assert.equal(v.fallback, 'deny');
    assert.equal(v.allowAlways, false);
    assert.match(v.reason, /undo that for 5 minutes/);
  });

  it('http_fetch: allowlisted hosts pass, other hosts and tricks need approval', () => {
    const ok = [
      'https://en.wikipedia.org/wiki/Cat',
      'https://wikipedia.org/',
      'http://api.github.com/x',
      'https://GITHUB.COM.',
    ];
    for (const url of ok) assert.equal(policy.evaluate('http_fetch', { url }).required, false, url);
    const ask = [
      'https://example.com/',
      'https://wikipedia.org.evil.com/',
      'https://evilwikipedia.org/',
      'https://wikipedia.org@evil.com/',
      'ftp://wikipedia.org/',
    ];
    for (const url of ask) {
      const v = policy.evaluate('http_fetch', { url });
      assert.equal(v.required, true, url);
    }
    const v = policy.evaluate('http_fetch', { url: 'https://example.com' });
    assert.ok(v.required && v.allowAlways);
  });

  it('fails closed when a condition cannot be evaluated', () => {
    for (const args of [{}, { url: 42 }, { url: 'not a url' }]) {
      const v = policy.evaluate('http_fetch', args);
      assert.equal(v.required, true);
      assert.ok(v.required && v.error, 'reports the evaluation error');
      assert.ok(v.required && v.allowAlways === false, 'no always-allow on an evaluation error');
      assert.match(v.required ? v.reason : '', /couldn't check/);
    }
  });

  it('supports equals/in/gt/contains/exists and any/all/not combinators', () => {
    const config = approvalsConfigSchema.parse({
      tools: {
        pay: {
          mode: 'when',
          when: {
            any: [
              { arg: 'amount', gt: 100 },
              { all: [{ arg: 'to.country', notIn: ['DE', 'FR'] }, { not: { arg: 'trusted', equals: true } }] },
            ],
          },
          timeout: '2m',
          fallback: 'approve',
          allowAlways: true,
          allowAlwaysFor: { arg: 'to.country' },
        },
        note: { mode: 'when', when: { arg: 'text', contains: 'password' } },
        tag: { mode: 'when', when: { arg: 'labels', exists: true } },
      },
    });
    const p = createApprovalPolicy(config);
    assert.equal(p.evaluate('pay', { amount: 500, to: { country: 'DE' } }).required, true);
    assert.equal(p.evaluate('pay', { amount: 5, to: { country: 'DE' } }).required, false);
    assert.equal(p.evaluate('pay', { amount: 5, to: { country: 'US' } }).required, true);
    assert.equal(p.evaluate('pay', { amount: 5, to: { country: 'US' }, trusted: true }).required, false);
    const v = p.evaluate('pay', { amount: 'lots' });
    assert.ok(v.required && v.error, 'a string amount cannot be compared → approval');
    assert.ok(v.required && v.timeoutMs === 120_000 && v.fallback === 'approve');
    assert.equal(p.evaluate('note', { text: 'my PASSWORD is' }).required, true);
    assert.equal(p.evaluate('note', { text: 'hello' }).required, false);
    assert.equal(p.evaluate('tag', {}).required, false);
    assert.equal(p.evaluate('tag', { labels: [] }).required, true);
  });

  it('"Always allow" names a target: the host of the URL (shipped http_fetch), or an argument value; never the whole tool', () => {
    const v = policy.evaluate('http_fetch', { url: 'https://News.Example.COM./a?b=1' });
    assert.ok(v.required && v.allowAlways);
    assert.equal(v.required && v.grantTarget, 'news.example.com');
    const bad = approvalsConfigSchema.safeParse({
      tools: { pay: { mode: 'always', allowAlways: true }, x: { mode: 'always', allowAlwaysFor: { arg: 'id' } } },
    });
    assert.equal(bad.success, false);
    const text = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
    assert.match(text, /tools\.pay\.allowAlwaysFor: is required with "allowAlways": true/);
    assert.match(text, /tools\.x\.allowAlwaysFor: is only used with "allowAlways": true/);
    const byValue = createApprovalPolicy(
      approvalsConfigSchema.parse({
        tools: { send: { mode: 'always', allowAlways: true, allowAlwaysFor: { arg: 'to.address' } } },
      }),
    );
    const sent = byValue.evaluate('send', { to: { address: ' ann@example.com ' } });
    assert.equal(sent.required && sent.grantTarget, 'ann@example.com');
    const missing = byValue.evaluate('send', { to: {} });
    assert.ok(
      missing.required && !missing.allowAlways && missing.grantTarget === undefined,
      'no target, no "Always allow"',
    );
    const long = byValue.evaluate('send', { to: { address: 'x'.repeat(201) } });
    assert.ok(long.required && !long.allowAlways, 'a target too long to show gets no "Always allow"');
  });

  it('schedule_update asks when it pauses a job or rewrites its text, not for a new time or a resume', () => {
    assert.equal(policy.evaluate('schedule_update', { id: 'j1', enabled: false }).required, true);
    assert.equal(policy.evaluate('schedule_update', { id: 'j1', text: 'new prompt' }).required, true);
    assert.equal(policy.evaluate('schedule_update', { id: 'j1', when: { in: { minutes: 5 } } }).required, false);
    assert.equal(policy.evaluate('schedule_update', { id: 'j1', enabled: true }).required, false);
  });

  it('rejects malformed config with clear messages', () => {
    const bad = approvalsConfigSchema.safeParse({
      defaults: { timeout: '10 minutes' },
      tools: {
        a: { mode: 'when' },
        b: { mode: 'always', when: { arg: 'x', equals: 1 } },
        c: { mode: 'when', when: { arg: 'x' } },
        d: { mode: 'when', when: { arg: 'x', equals: 1, gt: 2 } },
        e: { mode: 'sometimes' },
        f: { mode: 'when', when: { arg: 'url', notMatchesHost: ['http://x.com'] } },
        'bad name!': { mode: 'never' },
      },
    });
    assert.equal(bad.success, false);
    const text = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
    assert.match(text, /defaults\.timeout: "10 minutes" is not a duration/);
    assert.match(text, /tools\.a\.when: is required/);
    assert.match(text, /tools\.b\.when: is only allowed/);
    assert.match(text, /exactly one operator/);
    assert.match(text, /found equals, gt/);
    assert.match(text, /host name/);
    assert.match(text, /bad name!/);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(approvalsConfigSchema.safeParse({ defaults: { timeout: '1s' } }).success, false);
  });

  it('exact names win over patterns', () => {
    const p = createApprovalPolicy(
      approvalsConfigSchema.parse({ tools: { '*_delete': { mode: 'always' }, soft_delete: { mode: 'never' } } }),
    );
    assert.equal(p.evaluate('soft_delete', {}).required, false);
    assert.equal(p.evaluate('hard_delete', {}).required, true);
  });

  it('host patterns', () => {
    assert.equal(hostMatches('a.github.com', '*.github.com'), true);
    assert.equal(hostMatches('github.com', '*.github.com'), false);
    assert.equal(hostMatches('xgithub.com', '*.github.com'), false);
  });
});

describe('callback data', () => {
  it('round-trips and stays within 64 bytes', () => {
    const data = encodeCallback({ kind: 'ap', id: 'A'.repeat(16), action: 'a' });
    assert.ok(Buffer.byteLength(data) <= 64);
    assert.deepEqual(parseCallback(data), { kind: 'ap', id: 'A'.repeat(16), action: 'a' });
    assert.deepEqual(parseCallback('q:abcdef12:5'), { kind: 'q', id: 'abcdef12', index: 5 });
  });
  it('rejects forged and garbage data', () => {
    for (const d of [
      undefined,
      '',
      'ap',
      'ap:x:y',
      'ap:abcdefgh:z',
      'ap:abcdefgh:y:extra',
      'q:abcdefgh:6',
      'q:abcdefgh:-1',
      'q:abcdefgh:01',
      'xx:abcdefgh:y',
      `ap:${'a'.repeat(70)}:y`,
      'ap:abc def1:y',
      "ap:'; DROP TABLE approvals;--:y",
    ])
      assert.equal(parseCallback(d), undefined, String(d));
  });
});

describe('argument summary', () => {
  it('is readable and hides nothing silently: values in full, a shortened one says how long it is', () => {
    assert.equal(summarizeArgs({}), '(no arguments)');
    assert.equal(summarizeArgs({ id: 'j1', all: true, n: null }), 'id: j1\nall: true');
    const long = summarizeArgs({ a: 'x'.repeat(500), b: { c: [1, 2] }, c: 1, d: 2, e: 3, f: 4, g: 5, h: 6 });
    assert.ok(long.includes(`a: ${'x'.repeat(500)}\n`), 'a 500-character value is shown whole (it was cut at 120)');
    assert.match(long, /b: \{"c":\[1,2\]\}/);
    assert.match(long, /h: 6$/, 'all eight arguments are shown');
    const huge = summarizeArgs({ text: `${'y'.repeat(2500)}TAIL` });
    assert.match(huge, /… \[shortened: 2,504 characters in all\]$/);
    const many = summarizeArgs(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i])));
    assert.match(many, /… and 2 more arguments not shown$/);
    assert.equal(
      summarizeArgs({ url: 'https://example.com/?q=1' }),
      '',
      'URLs are left to the prompt, which shows them whole',
    );
  });
});

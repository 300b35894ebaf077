import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bot } from 'grammy';
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { outboxMigration } from '../../src/store/migrations/003-outbox.ts';
import { escapeHtml, htmlToPlain, markdownToHtml } from '../../src/telegram/format.ts';
import { createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { splitHtml, splitPlain, visibleLength } from '../../src/telegram/split.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { parseHtml } from '../support/telegram-format.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

/** Parses like Telegram; fails the test with the parser's message on rejection. */
function accepted(html: string): { text: string; entities: { type: string; url?: string; language?: string }[] } {
  const r = parseHtml(html);
  assert.ok(r.ok, `Telegram would reject: ${r.ok ? '' : r.error}\n---\n${html.slice(0, 400)}`);
  return r as { ok: true; text: string; entities: { type: string; url?: string; language?: string }[] };
}

const squash = (s: string) => s.replace(/\s+/g, '');

const CORPUS = [
  '# Weekly plan',
  '',
  'Some ***nested _emphasis_ here*** and **bold with `code <x> & y` inside** and ~~gone~~ and ||spoiler||.',
  '',
  'Inline code: `a < b && c > d` and text with <, & and > outside code. Entities: &amp; &lt;tag&gt; &#128512; &copy;',
  '',
  '```python',
  'def f(a, b):',
  '    return a < b and "x" & 1',
  '```',
  '',
  '| Item | Qty | Price |',
  '|:-----|----:|:-----:|',
  '| Apples & pears | 3 | $1.50 |',
  '| <b>Bread</b> | 12 | $3 |',
  '',
  'Links: [Example "quoted" & more](https://example.com/?q="a"&b=1) and <https://auto.example.org/x?y=1&z=2> and [relative](/docs).',
  '',
  '1. First',
  '2. Second',
  '   - nested a',
  '   - nested b',
  '     1. deep one',
  '3. Third',
  '',
  '> A quote with **bold**',
  '> > and a nested quote',
  '',
  'Raw HTML: <div class="x">not a tag</div> <script>alert(1)</script> <b>bold?</b>',
  '',
  '<table><tr><td>block html</td></tr></table>',
  '',
  '![diagram](https://example.com/d.png)',
  '',
  '---',
  '',
  '- [ ] open task',
  '- [x] done task',
].join('\n');

describe('markdownToHtml', () => {
  it('renders the corpus into HTML Telegram accepts, with only supported tags', () => {
    const html = markdownToHtml(CORPUS);
    const parsed = accepted(html);
    const tags = new Set([...html.matchAll(/<\/?([a-z-]+)/g)].map((m) => m[1]));
    for (const tag of tags)
      assert.ok(
        ['b', 'i', 's', 'code', 'pre', 'a', 'blockquote', 'tg-spoiler'].includes(tag!),
        `unexpected tag ${tag}`,
      );
    const text = parsed.text;
    // Headings become bold, emphasis nests.
    assert.match(html, /^<b>Weekly plan<\/b>/);
    assert.match(html, /<b><i>nested <i>emphasis<\/i> here<\/i><\/b>|<i><b>nested <i>emphasis<\/i> here<\/b><\/i>/);
    assert.match(html, /<tg-spoiler>spoiler<\/tg-spoiler>/);
    // Inline code keeps < & > literally.
    assert.ok(text.includes('a < b && c > d'), "text.includes('a < b && c > d')");
    assert.ok(text.includes('code <x> & y'), "text.includes('code <x> & y')");
    assert.ok(text.includes('with <, & and > outside'), "text.includes('with <, & and > outside')");
    assert.ok(text.includes('Entities: & <tag> 😀 ©'), "text.includes('Entities: & <tag> \ud83d\ude00 \u00a9')");
    // Code fence with language.
    assert.match(
      html,
      /<pre><code class="language-python">def f\(a, b\):\n {4}return a &lt; b and &quot;x&quot; &amp; 1<\/code><\/pre>/,
    );
    const pre = parsed.entities.find((e) => e.type === 'pre' && e.language === 'python');
    assert.ok(pre, 'pre entity with language');
    // Links: quotes and ampersands survive in the URL; relative links stay visible as text.
    const urls = parsed.entities.filter((e) => e.type === 'text_link').map((e) => e.url);
    assert.ok(urls.includes('https://example.com/?q="a"&b=1'), `urls: ${urls.join(' ')}`);
    assert.ok(
      urls.includes('https://auto.example.org/x?y=1&z=2'),
      "urls.includes('https://auto.example.org/x?y=1&z=2')",
    );
    assert.ok(urls.includes('https://example.com/d.png'), 'images become links');
    assert.ok(text.includes('relative (/docs)'), "text.includes('relative (/docs)')");
    // Lists: numbers, bullets, indentation for nesting.
    assert.match(text, /1\. First\n2\. Second\n {3}• nested a\n {3}• nested b\n {6}1\. deep one\n3\. Third/);
    assert.match(text, /☐ open task\n☑ done task/);
    // Quotes: one blockquote (Telegram can't nest them), content kept.
    assert.equal(parsed.entities.filter((e) => e.type === 'blockquote').length, 1);
    assert.ok(text.includes('and a nested quote'), "text.includes('and a nested quote')");
    // Raw HTML is shown literally, never interpreted.
    assert.ok(
      text.includes('<div class="x">not a tag</div> <script>alert(1)</script> <b>bold?</b>'),
      'text.includes(\'<div class="x">not a tag</div> <script>alert(1)</script> <b>bold?</b>\')',
    );
    assert.ok(
      text.includes('<table><tr><td>block html</td></tr></table>'),
      "text.includes('<table><tr><td>block html</td></tr></table>')",
    );
  });

  it('renders GFM tables as an aligned monospace block', () => {
    const html = markdownToHtml('| Item | Qty |\n|---|--:|\n| Tea | 2 |\n| Coffee beans | 10 |');
    const parsed = accepted(html);
    assert.ok(
      html.startsWith('<pre>') && html.endsWith('</pre>'),
      "html.startsWith('<pre>') && html.endsWith('</pre>')",
    );
    const lines = parsed.text.split('\n');
    assert.deepEqual(lines, ['Item         │ Qty', '─────────────┼────', 'Tea          │   2', 'Coffee beans │  10']);
  });

  it('renders wide tables as one card per row so they stay readable on a phone', () => {
    const long = 'x'.repeat(50);
    const html = markdownToHtml(`| Name | Description |\n|---|---|\n| A | ${long} |\n| B | ${long} |`);
    const text = accepted(html).text;
    assert.match(text, /Name {7}: A\nDescription: x{50}\n─+\nName {7}: B/);
  });

  it('escapes & < > " and decodes htmlToPlain symmetrically', () => {
    assert.equal(escapeHtml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    assert.equal(htmlToPlain('<b>a &lt;b&gt; &amp; &quot;c&quot;</b>'), 'a <b> & "c"');
  });

  it('always produces valid HTML for partial Markdown (streaming previews)', () => {
    const full = CORPUS;
    for (let n = 0; n <= full.length; n += 7) accepted(markdownToHtml(full.slice(0, n)) || 'x');
  });
});

describe('splitHtml / splitPlain', () => {
  it('re-opens a code block (with its language) split across messages', () => {
    const code = Array.from({ length: 400 }, (_, i) => `let v${i} = a < b && c > d; // line ${i}`).join('\n');
    const html = markdownToHtml(`Intro.\n\n\`\`\`ts\n${code}\n\`\`\`\n\nOutro.`);
    const chunks = splitHtml(html);
    assert.ok(chunks.length >= 4, `expected several chunks, got ${chunks.length}`);
    for (const [i, chunk] of chunks.entries()) {
      const parsed = accepted(chunk);
      assert.ok(parsed.text.length <= 4096, `chunk ${i} visible ${parsed.text.length}`);
      if (i > 0 && i < chunks.length - 1)
        assert.ok(chunk.startsWith('<pre><code class="language-ts">'), `chunk ${i} re-opened`);
      if (i < chunks.length - 1) assert.ok(chunk.endsWith('</code></pre>'), `chunk ${i} closed`);
    }
    // Code lines are never cut in the middle when a line break is available.
    const allLines = chunks.flatMap((c) => accepted(c).text.split('\n')).filter((l) => l !== '');
    for (const line of allLines)
      assert.ok(
        line === 'Intro.' || line === 'Outro.' || /^let v\d+ = a < b && c > d; \/\/ line \d+$/.test(line),
        line,
      );
    assert.equal(squash(chunks.map((c) => htmlToPlain(c)).join('')), squash(htmlToPlain(html)));
  });

  it('never breaks tags or entities and keeps surrogate pairs whole', () => {
    const unit = '<b>😀&amp;x</b>&lt;<i>y&gt;😀</i>'; // 8 visible units, no whitespace anywhere
    const html = unit.repeat(300);
    for (const limit of [7, 33, 100, 4096]) {
      const chunks = splitHtml(html, limit);
      for (const chunk of chunks) {
        const parsed = accepted(chunk);
        assert.ok(parsed.text.length <= limit, `visible ${parsed.text.length} > ${limit}`);
        assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(parsed.text), 'lone high surrogate');
        assert.ok(!/(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(parsed.text), 'lone low surrogate');
      }
      assert.equal(chunks.map((c) => accepted(c).text).join(''), accepted(html).text, `limit ${limit} loses nothing`);
    }
  });

  it('prefers paragraph, then line, then word boundaries', () => {
    const para = (n: number) => `${'word '.repeat(n).trim()}.`;
    const html = `${para(300)}\n\n${para(300)}\n\n${para(300)}`;
    const chunks = splitHtml(html, 4096);
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0], `${para(300)}\n\n${para(300)}`);
    const words = splitPlain('alpha beta gamma delta epsilon', 12);
    assert.deepEqual(words, ['alpha beta', 'gamma delta', 'epsilon']);
    const surrogates = splitPlain('😀'.repeat(10), 5);
    assert.ok(
      surrogates.every((c) => c.length <= 5 && !/[\uD800-\uDBFF]$/.test(c)),
      'surrogates.every((c) => c.length <= 5 && !/[\\uD800-\\uDBFF]$/.test(c))',
    );
    assert.equal(surrogates.join(''), '😀'.repeat(10));
  });

  it('counts visible UTF-16 units like Telegram', () => {
    assert.equal(visibleLength('<b>a&amp;b</b>😀'), 5);
  });
});

describe('Markdown through the outbox to the fake Bot API', () => {
  let fake: FakeTelegram;
  let db: TempDb;
  let store: Store;
  before(async () => {
    fake = await createFakeTelegram();
    db = tempDbUrl('format');
    store = await createStore({ url: db.url, migrations: [outboxMigration] });
  });
  after(async () => {
    await store.close();
    await fake.close();
    await db.cleanup();
  });

  function outbox() {
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
    const limiter = createRateLimiter({
      clock: systemClock,
      privatePerSec: 1000,
      globalPerSec: 1000,
      groupPerMin: 60_000,
    });
    return {
      limiter,
      outbox: createTelegramOutbox({
        api: bot.api,
        store,
        clock: systemClock,
        log: pino({ level: 'silent' }),
        limiter,
      }),
    };
  }

  it('delivers the corpus and a 10 KB answer: every chunk accepted, nothing lost', async () => {
    const { outbox: box, limiter } = outbox();
    const chatId = 501;
    const sections: string[] = [CORPUS];
    let i = 0;
    while (sections.join('\n\n').length < 10_500) {
      i++;
      sections.push(
        `## Section ${i}\n\nParagraph ${i} with **bold**, _italic_, \`x<${i}>&\` and [a link](https://e.com/?a=${i}&b="q").\n\n` +
          `\`\`\`js\nconst s${i} = "<${'&'.repeat(i % 5)}>";\n${'// filler line\n'.repeat(8)}\`\`\`\n\n- item ${i}\n  - sub ${i}`,
      );
    }
    const md = sections.join('\n\n');
    assert.ok(md.length >= 10_000, 'md.length >= 10_000');
    const d = await box.send({ chatId }, { text: md });
    assert.ok(d.ok, JSON.stringify(d));
    const messages = fake.botMessages(chatId);
    assert.equal(messages.length, d.messageIds.length);
    assert.ok(messages.length >= 3, `10 KB answer split into ${messages.length}`);
    for (const m of messages) {
      assert.equal(m.parseMode, 'HTML');
      assert.ok(m.text.length <= 4096, 'm.text.length <= 4096');
    }
    const expected = htmlToPlain(markdownToHtml(md));
    assert.equal(squash(messages.map((m) => m.text).join('')), squash(expected));
    assert.equal(fake.calls.filter((c) => c.status !== 200).length, 0, 'no call was rejected');
    limiter.close();
  });
});

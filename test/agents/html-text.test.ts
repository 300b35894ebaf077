import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlToText } from '../../src/agents/tools/html-text.ts';

const para = (n: number, words: string) => `<p>${Array.from({ length: n }, () => words).join(' ')}</p>`;

describe('htmlToText', () => {
  it('extracts the article and leaves out navigation, sidebars, comments and footers', () => {
    const html = `<!doctype html><html><head><title>  Brewing   green tea </title></head><body>
      <nav class="menu"><a href="/">Home</a> <a href="/shop">Shop</a> <a href="/about">About us</a></nav>
      <aside class="sidebar"><h3>Popular</h3><ul><li><a href="/x">Ten teas you must try</a></li></ul></aside>
      <article>
        <h1>Brewing green tea</h1>
        ${para(6, 'Green tea wants water well below boiling, around seventy to eighty degrees, or it turns bitter.')}
        ${para(6, 'Steep it for two minutes at most; a second infusion can go a little longer than the first one.')}
        ${para(5, 'Good leaves open slowly and smell of fresh grass, sometimes of the sea, never of dust.')}
      </article>
      <div class="comments">Comment by troll: first!</div>
      <footer>Copyright 2026 Tea Shop Ltd. All rights reserved.</footer>
    </body></html>`;
    const { title, text } = htmlToText(html);
    assert.equal(title, 'Brewing green tea');
    assert.match(text, /well below boiling/);
    assert.match(text, /second infusion/);
    assert.match(text, /smell of fresh grass/);
    assert.ok(!text.includes('About us'), 'navigation left out');
    assert.ok(!text.includes('Ten teas you must try'), 'sidebar left out');
    assert.ok(!text.includes('All rights reserved'), 'footer left out');
    assert.ok(!text.includes('first!'), 'comments left out');
    assert.match(text, /bitter\.\n\nSteep/, 'paragraphs stay apart');
  });

  it('finds the article in a div layout with no <article> or <main> markup', () => {
    const html = `<html><head><title>Blog</title></head><body>
      <div id="header"><div class="nav"><a href="/">Home</a> | <a href="/archive">Archive of every post</a></div></div>
      <div id="wrap">
        <div class="sidebar widget"><div>Subscribe to the newsletter for weekly deals and coupons</div></div>
        <div class="post-content entry">
          ${para(6, 'Oolong sits between green and black tea: partly oxidised, rolled into balls or long twists.')}
          ${para(6, 'Rinse the leaves once with hot water, then brew short infusions many times in a small pot.')}
        </div>
      </div>
      <div id="footer"><div>Privacy policy · Terms of service · Cookie settings</div></div>
    </body></html>`;
    const { text } = htmlToText(html);
    assert.match(text, /^Oolong sits between/);
    assert.match(text, /small pot\.$/);
    for (const boilerplate of ['Archive of every post', 'newsletter', 'Cookie settings'])
      assert.ok(!text.includes(boilerplate), `${boilerplate} left out`);
  });

  it('is not fooled by ">" inside attributes or markup-like text in scripts', () => {
    const html =
      '<html><body><p title="a > b" data-x=\'<div>\'>Clean text.</p>' +
      '<script>document.write("</p><p>injected")</script><p>More text.</p></body></html>';
    const { text } = htmlToText(html);
    assert.equal(text, 'Clean text.\n\nMore text.');
  });

  it('drops scripts, styles and other non-text elements, also in the fallback', () => {
    const html =
      '<html><head><title>T</title><style>body{color:red}</style><script>var secret = 1;</script></head>' +
      '<body><p>Visible words.</p><script>alert("x")</script><noscript>enable js</noscript>' +
      '<template><p>hidden template</p></template><svg><text>svg text</text></svg></body></html>';
    const { text } = htmlToText(html);
    assert.match(text, /Visible words\./);
    for (const hidden of ['color:red', 'secret', 'alert', 'enable js', 'hidden template', 'svg text'])
      assert.ok(!text.includes(hidden), `${hidden} dropped`);
  });

  it('falls back to the whole body when Readability finds no article', () => {
    // No text in any paragraph-like element: Readability gives up; the body still has words.
    const html =
      '<html><head><title>Status</title></head><body><span>All systems</span> <b>operational</b></body></html>';
    const { title, text } = htmlToText(html);
    assert.equal(title, 'Status');
    assert.equal(text, 'All systems operational');
  });

  it('keeps line structure: list bullets, line breaks, table cells', () => {
    const html =
      '<html><body><h2>Menu</h2><ul><li>Sencha</li><li>Matcha</li></ul><p>Line one<br>Line two</p>' +
      '<table><tr><td>Price</td><td>4 €</td></tr></table></body></html>';
    const { text } = htmlToText(html);
    assert.match(text, /- Sencha\n- Matcha/);
    assert.match(text, /Line one\nLine two/);
    assert.match(text, /Price 4 €/);
  });

  it('decodes named, decimal and hex entities and turns no-break spaces into spaces', () => {
    const html =
      '<html><head><title>Tea &amp; Co &mdash; &#171;shop&#187;</title></head>' +
      '<body><p>Green&nbsp;tea &#8212; good &#x263A; &lt;b&gt;not bold&lt;/b&gt; &hellip; caf&eacute; &hearts;</p></body></html>';
    const { title, text } = htmlToText(html);
    assert.equal(title, 'Tea & Co — «shop»');
    assert.equal(text, 'Green tea — good ☺ <b>not bold</b> … café ♥');
  });

  it('handles a fragment without <html> and an empty page', () => {
    assert.equal(htmlToText('<p>Just a paragraph.</p>').text, 'Just a paragraph.');
    assert.deepEqual(htmlToText(''), { title: '', text: '' });
  });
});

/**
 * Reading documents with the kept libraries (pdf.js, mammoth, Readability on linkedom): text, page numbers and
 * headings per format; a scan without a text layer, too many pages, binary junk and unknown types are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractDocument } from '../../src/knowledge/extract.ts';
import { detectFormat } from '../../src/knowledge/formats.ts';
import { writeDocx } from '../support/docx-writer.ts';
import { writePdf, writeTextPdf } from '../support/pdf-writer.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('document extraction', () => {
  it('PDF: every page keeps its number, a larger font is a heading, the Info title is the title', async () => {
    const pdf = writePdf(
      [
        { title: 'Payment terms', lines: ['Invoice INV-2024-0042 is due within 30 days.', 'Late payment costs 2%.'] },
        { lines: ['The supplier is Ostrander & Sons (Leeds).'] },
        { lines: ['Annex: nothing else.'] },
      ],
      { title: 'Supply contract' },
    );
    const progress: number[] = [];
    const out = await extractDocument('pdf', pdf, { maxPages: 10, onProgress: (f) => progress.push(f) });
    assert.ok(out.ok, JSON.stringify(out));
    assert.equal(out.document.title, 'Supply contract');
    assert.equal(out.document.pages, 3);
    const [heading, ...rest] = out.document.blocks;
    assert.deepEqual(heading, { text: 'Payment terms', page: 1, heading: 1 });
    assert.deepEqual(
      rest.map((b) => [b.page, b.text]),
      [
        [1, 'Invoice INV-2024-0042 is due within 30 days. Late payment costs 2%.'],
        [2, 'The supplier is Ostrander & Sons (Leeds).'],
        [3, 'Annex: nothing else.'],
      ],
    );
    assert.deepEqual(progress, [1 / 3, 2 / 3, 1]);
    assert.equal(pdf.byteLength > 0, true, 'the caller keeps its bytes (pdf.js gets a copy)');
  });

  it('PDF: a scan (pages with only an image) is no_text; more pages than allowed is too_many_pages', async () => {
    assert.deepEqual(await extractDocument('pdf', writePdf([{ image: true }, { image: true }]), { maxPages: 10 }), {
      ok: false,
      reason: 'no_text',
    });
    const long = writeTextPdf(6, (p, i) => `page ${p} line ${i}`, { linesPerPage: 2 });
    assert.deepEqual(await extractDocument('pdf', long, { maxPages: 5 }), {
      ok: false,
      reason: 'too_many_pages',
      limit: 5,
    });
    assert.deepEqual(await extractDocument('pdf', enc('%PDF-1.4 this is not really a pdf'), { maxPages: 5 }), {
      ok: false,
      reason: 'unreadable',
    });
  });

  it('DOCX: Word heading styles become headings, paragraphs stay apart', async () => {
    const docx = writeDocx([
      { text: 'Tenancy', heading: 1 },
      { text: 'The tenant pays <rent> & fees monthly.' },
      { text: 'Notice', heading: 2 },
      { text: 'Three months of notice are required.' },
    ]);
    const out = await extractDocument('docx', docx, { maxPages: 10 });
    assert.ok(out.ok);
    assert.deepEqual(out.document.blocks, [
      { text: 'Tenancy', heading: 1 },
      { text: 'The tenant pays <rent> & fees monthly.' },
      { text: 'Notice', heading: 2 },
      { text: 'Three months of notice are required.' },
    ]);
    assert.deepEqual(await extractDocument('docx', enc('not a zip'), { maxPages: 10 }), {
      ok: false,
      reason: 'unreadable',
    });
  });

  it('HTML: the article without menus, its headings, the page title', async () => {
    const html = `<html><head><title>Tea guide</title><script>var x = "<p>no</p>";</script></head><body>
      <nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
      <article><h1>Brewing green tea</h1><p>Use water at 80 degrees, not boiling, and steep it for two minutes.</p>
      <h2>Storage</h2><p>Keep the leaves in a dark, airtight tin away from spices &amp; coffee.</p></article>
      <footer>© Tea shop</footer></body></html>`;
    const out = await extractDocument('html', enc(html), { maxPages: 10 });
    assert.ok(out.ok);
    assert.equal(out.document.title, 'Tea guide');
    const texts = out.document.blocks.map((b) => (b.heading ? `#${b.text}` : b.text));
    assert.ok(texts.includes('#Brewing green tea') && texts.includes('#Storage'), texts.join(' | '));
    assert.ok(texts.includes('Keep the leaves in a dark, airtight tin away from spices & coffee.'));
    assert.ok(!texts.some((t) => /Home|Shop|no<\/p>|©/.test(t)), texts.join(' | '));
  });

  it('Markdown keeps headings and code fences; code keeps its lines; plain text splits at blank lines', async () => {
    const md = '# Setup\n\nInstall it\nwith npm.\n\n## Run\n\n```sh\nnpm start\n  --port 3000\n```\n';
    const out = await extractDocument('markdown', enc(md), { maxPages: 10 });
    assert.ok(out.ok);
    assert.deepEqual(out.document.blocks, [
      { text: 'Setup', heading: 1 },
      { text: 'Install it\nwith npm.' },
      { text: 'Run', heading: 2 },
      { text: 'npm start\n  --port 3000', preformatted: true },
    ]);
    const code = await extractDocument('code', enc('def f():\n    return 1\n\n\ndef g():\n    return 2\n'), {
      maxPages: 10,
    });
    assert.ok(code.ok);
    assert.deepEqual(
      code.document.blocks.map((b) => b.text),
      ['def f():\n    return 1', 'def g():\n    return 2'],
    );
    const text = await extractDocument('text', enc('\ufeffFirst line\nsame paragraph.\r\n\r\nSecond.'), {
      maxPages: 10,
    });
    assert.ok(text.ok);
    assert.deepEqual(
      text.document.blocks.map((b) => b.text),
      ['First line same paragraph.', 'Second.'],
    );
  });

  it('binary bytes and empty text are refused; formats come from the name first, then the MIME type', async () => {
    assert.deepEqual(await extractDocument('text', new Uint8Array([0, 1, 2, 255, 0, 7]), { maxPages: 1 }), {
      ok: false,
      reason: 'unreadable',
    });
    assert.deepEqual(await extractDocument('text', enc('  \n\n '), { maxPages: 1 }), { ok: false, reason: 'no_text' });
    assert.equal(detectFormat('application/octet-stream', 'report.PDF'), 'pdf');
    assert.equal(detectFormat('text/plain', 'README.md'), 'markdown');
    assert.equal(detectFormat('application/octet-stream', 'main.py'), 'code');
    assert.equal(detectFormat('text/html', undefined), 'html');
    assert.equal(detectFormat('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'x'), 'docx');
    assert.equal(detectFormat('text/csv; charset=utf-8', 'data.csv'), 'text');
    assert.equal(detectFormat('image/jpeg', 'photo.jpg'), undefined);
    assert.equal(detectFormat('application/zip', 'archive.zip'), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewBody } from '../../src/telegram/stream-preview.ts';
import { createStreamText } from '../../src/telegram/stream-text.ts';

describe('stream text and preview body (pure)', () => {
  it('shows the agent that wrote last, and the tool status until its result', () => {
    const s = createStreamText();
    assert.equal(s.apply({ type: 'text-delta', agent: 'router', text: 'Hel' }), true);
    s.apply({ type: 'text-delta', agent: 'router', text: 'lo' });
    assert.equal(s.markdown(), 'Hello');
    s.apply({ type: 'tool-start', agent: 'router', tool: 'web_search', callId: 'c1', args: {} });
    assert.equal(s.status(), '🔎 Searching the web…');
    s.apply({ type: 'text-delta', agent: 'research', text: 'Found it' });
    assert.equal(s.markdown(), 'Found it');
    s.apply({ type: 'tool-result', agent: 'router', tool: 'web_search', callId: 'c1', ok: true, summary: '' });
    assert.equal(s.status(), undefined);
    assert.equal(s.apply({ type: 'agent-start', agent: 'x' }), false, 'events that change nothing shown');
  });

  it('renders Markdown with the status in italics; nothing at all gives no preview', () => {
    assert.deepEqual(previewBody('**hi**', '⏰ Setting a reminder…', undefined), {
      text: '<b>hi</b>\n\n<i>⏰ Setting a reminder…</i>',
      format: 'html',
    });
    assert.equal(previewBody('  ', undefined, undefined), undefined);
  });

  it('a preview too long for one message shows the plain tail', () => {
    const body = previewBody(`${'a'.repeat(5000)} END`, undefined, undefined);
    assert.equal(body?.format, 'plain');
    assert.ok(body?.text.endsWith('END'));
    assert.ok((body?.text.length ?? 0) <= 4096);
  });

  it('never shows a raw transcript marker', () => {
    const body = previewBody('<transcript>hello th', undefined, 'hide');
    assert.equal(body, undefined);
  });
});

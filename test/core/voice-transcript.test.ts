import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TRANSCRIPT_DISPLAY_LIMIT,
  hasAudio,
  splitStreamingTranscript,
  splitTranscript,
  takeTranscript,
  transcriptHtml,
} from '../../src/core/voice-transcript.ts';
import type { Content } from '../../src/llm/types.ts';

describe('splitTranscript (a complete answer)', () => {
  it('takes a leading marker off and keeps the reply', () => {
    assert.deepEqual(splitTranscript('<transcript>Buy milk</transcript>\nSure, milk it is.'), {
      transcript: 'Buy milk',
      body: 'Sure, milk it is.',
      marked: true,
    });
    assert.deepEqual(splitTranscript('  \n<Transcript >Buy milk</TRANSCRIPT >Sure.'), {
      transcript: 'Buy milk',
      body: 'Sure.',
      marked: true,
    });
  });

  it('without a marker, or with one that is not at the start, the answer is untouched', () => {
    assert.deepEqual(splitTranscript('Sure, milk it is.'), { body: 'Sure, milk it is.', marked: false });
    const late = 'Sure. <transcript>Buy milk</transcript>';
    assert.deepEqual(splitTranscript(late), { body: late, marked: false });
    assert.deepEqual(splitTranscript(''), { body: '', marked: false });
    assert.deepEqual(splitTranscript('🎙 Buy milk\nSure.'), { body: '🎙 Buy milk\nSure.', marked: false });
  });

  it('an unclosed marker gives no transcript and loses none of the words', () => {
    assert.deepEqual(splitTranscript('<transcript>Buy milk. Sure, milk it is.'), {
      body: 'Buy milk. Sure, milk it is.',
      marked: true,
    });
  });

  it('an empty or blank transcript is no transcript', () => {
    assert.deepEqual(splitTranscript('<transcript></transcript>I could not make that out.'), {
      body: 'I could not make that out.',
      marked: true,
    });
    assert.deepEqual(splitTranscript('<transcript> \n “ ” </transcript>Hi'), { body: 'Hi', marked: true });
  });

  it('normalises whitespace, drops wrapping quotes and a repeated microphone', () => {
    assert.equal(splitTranscript('<transcript>\n  “Buy\n\n milk”  </transcript>ok').transcript, 'Buy milk');
    assert.equal(splitTranscript('<transcript>🎙 "Buy milk"</transcript>ok').transcript, 'Buy milk');
    assert.equal(splitTranscript('<transcript>He said "hi" twice</transcript>ok').transcript, 'He said "hi" twice');
  });

  it('hostile content: markup stays text, the first closing tag ends the transcript', () => {
    const s = splitTranscript('<transcript><b>bold</b> & <a href="x">y</a></transcript>Answer');
    assert.equal(s.transcript, '<b>bold</b> & <a href="x">y</a>');
    assert.equal(
      transcriptHtml(s.transcript ?? ''),
      '🎙 <i>“&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;y&lt;/a&gt;”</i>',
    );
    assert.deepEqual(splitTranscript('<transcript>say </transcript> now</transcript>Answer'), {
      transcript: 'say',
      body: 'now</transcript>Answer',
      marked: true,
    });
    assert.deepEqual(splitTranscript('<transcript><transcript>x</transcript></transcript>A'), {
      transcript: '<transcript>x',
      body: '</transcript>A',
      marked: true,
    });
  });

  it('a reply with nothing after the transcript has an empty body', () => {
    assert.deepEqual(splitTranscript('<transcript>Thanks!</transcript>'), {
      transcript: 'Thanks!',
      body: '',
      marked: true,
    });
  });
});

describe('splitStreamingTranscript (an answer still arriving)', () => {
  const full = '<transcript>Remind me at </five></transcript>\nDone: **five**.';
  const final = splitTranscript(full);

  it('no prefix of a marked answer ever shows the tags or a reply before the transcript is complete', () => {
    let completeSeen = false;
    for (let n = 0; n <= full.length; n++) {
      const s = splitStreamingTranscript(full.slice(0, n));
      for (const shown of [s.transcript ?? '', s.body]) {
        assert.doesNotMatch(shown, /<\/?transcript/i, `prefix ${n}: ${shown}`);
        assert.doesNotMatch(
          shown,
          /<\/?(t(r(a(n(s(c(r(i(pt?)?)?)?)?)?)?)?)?)?$/i,
          `prefix ${n}: a cut tag at the end of ${shown}`,
        );
      }
      if (!s.complete) assert.equal(s.body, '', `prefix ${n}: no reply while the transcript may grow`);
      if (s.transcript !== undefined)
        assert.ok(final.transcript?.startsWith(s.transcript), `prefix ${n}: ${s.transcript}`);
      if (s.complete) {
        completeSeen = true;
        assert.equal(s.transcript, final.transcript);
        assert.ok(final.body.startsWith(s.body), `prefix ${n}: ${s.body}`);
      } else assert.ok(!completeSeen, 'once complete, it stays complete');
    }
    assert.ok(completeSeen);
  });

  it('an unmarked answer streams as it is (held back only while it could still be the marker)', () => {
    assert.deepEqual(splitStreamingTranscript('Hello'), { complete: true, body: 'Hello' });
    assert.deepEqual(splitStreamingTranscript('<b>Hi'), { complete: true, body: '<b>Hi' });
    assert.deepEqual(splitStreamingTranscript('<tr'), { complete: false, body: '' });
    assert.deepEqual(splitStreamingTranscript('<trx'), { complete: true, body: '<trx' });
    assert.deepEqual(splitStreamingTranscript(''), { complete: false, body: '' });
  });

  it('a partial transcript is shown as still being written', () => {
    const s = splitStreamingTranscript('<transcript>Remind me to</trans');
    assert.deepEqual(s, { transcript: 'Remind me to', complete: false, body: '' });
    assert.equal(transcriptHtml(s.transcript ?? '', true), '🎙 <i>“Remind me to…</i>');
  });
});

describe('transcriptHtml', () => {
  it('clips a very long transcript for display', () => {
    const long = 'word '.repeat(TRANSCRIPT_DISPLAY_LIMIT).trim();
    const html = transcriptHtml(long);
    assert.ok(html.length < TRANSCRIPT_DISPLAY_LIMIT + 30);
    assert.ok(html.endsWith('…”</i>'));
  });
});

describe('takeTranscript (a finished turn)', () => {
  it('takes the transcript off the answer and its model turn', () => {
    const contents: Content[] = [{ role: 'model', parts: [{ text: '<transcript>Hi there</transcript>\nHello!' }] }];
    const taken = takeTranscript('<transcript>Hi there</transcript>\nHello!', contents);
    assert.deepEqual(taken, {
      transcript: 'Hi there',
      text: 'Hello!',
      contents: [{ role: 'model', parts: [{ text: 'Hello!' }] }],
    });
  });

  it('finds it in a first step that called a tool when the final answer has none', () => {
    const call = { functionCall: { name: 'schedule_add', args: { text: 'milk' } }, thoughtSignature: 'sig' };
    const contents: Content[] = [
      {
        role: 'model',
        parts: [{ text: 'thinking', thought: true }, { text: '<transcript>Remind me</transcript>' }, call],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'schedule_add', response: { ok: true } } }] },
      { role: 'model', parts: [{ text: 'Reminder set.' }] },
    ];
    const taken = takeTranscript('Reminder set.', contents);
    assert.equal(taken.transcript, 'Remind me');
    assert.equal(taken.text, 'Reminder set.');
    assert.deepEqual(taken.contents?.[0], { role: 'model', parts: [{ text: 'thinking', thought: true }, call] });
    assert.deepEqual(taken.contents?.slice(1), contents.slice(1));
  });

  it('no marker: nothing changes; an unclosed one is only unwrapped', () => {
    const contents: Content[] = [{ role: 'model', parts: [{ text: 'Hello!' }] }];
    assert.deepEqual(takeTranscript('Hello!', contents), { text: 'Hello!', contents });
    assert.deepEqual(takeTranscript('<transcript>Hello!'), { text: 'Hello!' });
  });

  it('a model turn that held only the transcript is dropped', () => {
    const contents: Content[] = [
      { role: 'model', parts: [{ text: '<transcript>Hi</transcript>' }] },
      { role: 'model', parts: [{ text: 'Hello!' }] },
    ];
    assert.deepEqual(takeTranscript('Hello!', contents).contents, [{ role: 'model', parts: [{ text: 'Hello!' }] }]);
  });
});

describe('hasAudio', () => {
  it('is true for voice and audio files only', () => {
    assert.equal(hasAudio([{ mimeType: 'audio/ogg' }]), true);
    assert.equal(hasAudio([{ mimeType: 'image/jpeg' }, { mimeType: 'Audio/MPEG' }]), true);
    assert.equal(hasAudio([{ mimeType: 'video/mp4' }, { mimeType: 'application/pdf' }]), false);
    assert.equal(hasAudio([]), false);
  });
});

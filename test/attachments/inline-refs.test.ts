import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AppError } from '../../src/core/errors.ts';
import { attachInline, detachInline, referencedHashes } from '../../src/attachments/inline-refs.ts';

test('every copy of a file in run state becomes one reference, and comes back byte for byte', () => {
  const data = randomBytes(50_000).toString('base64');
  const other = randomBytes(3000).toString('base64');
  const request = { text: 'see file', attachments: [{ mimeType: 'application/pdf', data, name: 'a.pdf' }] };
  const state = {
    frame: { attachments: [{ mimeType: 'application/pdf', data }] },
    children: {
      c1: {
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'look' },
              { inlineData: { mimeType: 'application/pdf', data } },
              { inlineData: { mimeType: 'image/png', data: other } },
            ],
          },
        ],
      },
    },
    // Not inline data: a tool argument that merely is called `data` stays as it is.
    args: { data: 'x'.repeat(2000) },
    small: { mimeType: 'text/plain', data: 'aGk=' },
  };
  const r = detachInline(request);
  const s = detachInline(state, r.files);
  assert.equal(r.files.size, 2, 'one entry per distinct file');
  assert.ok(r.json.length + s.json.length < 7000, 'the JSON holds references, not bytes');
  assert.equal(referencedHashes(JSON.parse(s.json)).size, 2);

  const files = new Map([...r.files].map(([hash, bytes]) => [hash, Buffer.from(bytes).toString('base64')]));
  assert.deepEqual(attachInline(JSON.parse(r.json), files), request);
  assert.deepEqual(attachInline(JSON.parse(s.json), files), state);
});

test('base64 that would not survive a round trip stays inline; a missing file fails clearly', () => {
  const odd = `${randomBytes(3000).toString('base64')}\n`;
  const kept = detachInline({ mimeType: 'image/png', data: odd });
  assert.equal(kept.files.size, 0);
  assert.equal(JSON.parse(kept.json).data, odd);

  const gone = detachInline({ mimeType: 'image/png', data: randomBytes(3000).toString('base64') });
  assert.throws(
    () => attachInline(JSON.parse(gone.json), new Map()),
    (err: unknown) => err instanceof AppError && err.code === 'invalid_input' && /no longer stored/.test(err.message),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { GEMINI_INLINE_REQUEST_BYTES, MAX_INLINE_FILE_BYTES } from '../../src/llm/inline-limit.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const U = 601;

function inlineParts(req: RecordedRequest): { mimeType: string; data: string }[] {
  const out: { mimeType: string; data: string }[] = [];
  for (const c of req.contents) {
    for (const p of c.parts as Record<string, unknown>[]) {
      const d = p.inlineData as { mimeType: string; data: string } | undefined;
      if (d) out.push(d);
    }
  }
  return out;
}

async function setup(maxFileBytes?: number) {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    // The router sees only a note about the files and delegates; the specialist gets the bytes inline.
    if (req.toolNames.includes('agent_assistant'))
      return { functionCalls: [{ name: 'agent_assistant', args: { task: 'look at the file' } }] };
    return {
      text: `seen ${inlineParts(req)
        .map((p) => p.mimeType)
        .join(',')}`,
    };
  });
  const h = await startInbound({ allowedUserIds: [U], chat: realChat(gemini, maxFileBytes ? { maxFileBytes } : {}) });
  return {
    gemini,
    h,
    close: async () => {
      await h.close();
      await gemini.close();
    },
  };
}

test('photo (largest size), PDF and text documents and voice reach Gemini as inline data; the caption is the text', async () => {
  const { gemini, h, close } = await setup();
  try {
    const small = h.tg.addFile(Buffer.alloc(100, 1));
    const large = h.tg.addFile(Buffer.from('large-photo-bytes'));
    h.tg.sendUserMessage({
      chatId: U,
      photo: [
        { fileId: small, fileSize: 100 },
        { fileId: large, fileSize: 17 },
      ],
      caption: 'what is this?',
    });
    await h.tg.waitForBotMessage(U, (m) => m.text === 'seen image/jpeg');
    const photoReq = gemini.generateCalls().at(-1)!;
    assert.equal(inlineParts(photoReq)[0]?.data, Buffer.from('large-photo-bytes').toString('base64'));
    assert.ok(
      gemini.generateCalls().some((r) => r.lastUserText.includes('what is this?')),
      'the caption is the text',
    );

    const pdf = h.tg.addFile(Buffer.from('%PDF-1.4 fake'), { fileName: 'a.pdf', mimeType: 'application/pdf' });
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: pdf, fileName: 'a.pdf', mimeType: 'application/pdf', fileSize: 13 },
      // Without a caption a document goes to the library only (test/e2e/knowledge-chat.test.ts).
      caption: 'read it',
    });
    await h.tg.waitForBotMessage(U, (m) => m.text === 'seen application/pdf');

    const code = h.tg.addFile('print("hi")\n', { fileName: 'x.py' });
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: code, fileName: 'x.py', mimeType: 'application/octet-stream' },
      caption: 'review',
    });
    await h.tg.waitForBotMessage(U, (m) => m.text === 'seen text/plain');

    const voice = h.tg.addFile(Buffer.from('OggS....'));
    h.tg.sendUserMessage({ chatId: U, voice: { fileId: voice, mimeType: 'audio/ogg', fileSize: 8 } });
    await h.tg.waitForBotMessage(U, (m) => m.text === 'seen audio/ogg');
  } finally {
    await close();
  }
});

test('oversized file: clear reply, no download, no Gemini call', async () => {
  const { gemini, h, close } = await setup();
  try {
    const big = h.tg.addFile('x', { size: 30 * 1024 * 1024 });
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: big, fileName: 'big.pdf', mimeType: 'application/pdf', fileSize: 30 * 1024 * 1024 },
    });
    const reply = await h.tg.waitForBotMessage(U);
    assert.match(reply.text, /30\.0 MB.*up to 14\.2 MB/);
    assert.equal(h.tg.callsOf('getFile').length, 0);
    assert.equal(gemini.generateCalls().length, 0);
  } finally {
    await close();
  }
});

test('a file too big for one Gemini request (16 MB: 21 MB as base64) is refused before download with a clear reply', async () => {
  const { gemini, h, close } = await setup();
  try {
    const size = 16 * 1024 * 1024;
    assert.ok(size > MAX_INLINE_FILE_BYTES && (size * 4) / 3 > GEMINI_INLINE_REQUEST_BYTES && size < 20 * 1024 * 1024);
    const big = h.tg.addFile('x', { size });
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: big, fileName: 'scan.pdf', mimeType: 'application/pdf', fileSize: size },
      caption: 'read it',
    });
    const reply = await h.tg.waitForBotMessage(U);
    assert.match(reply.text, /16\.0 MB, but I can only read files up to 14\.2 MB\./);
    assert.equal(h.tg.callsOf('getFile').length, 0, 'nothing downloaded');
    assert.equal(gemini.generateCalls().length, 0, 'no model call');

    // Just under the limit still goes through.
    const ok = h.tg.addFile(Buffer.alloc(1000, 1), { size: MAX_INLINE_FILE_BYTES });
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: ok, fileName: 'ok.pdf', mimeType: 'application/pdf', fileSize: MAX_INLINE_FILE_BYTES },
      caption: 'read it',
    });
    await h.tg.waitForBotMessage(U, (m) => m.text === 'seen application/pdf');
  } finally {
    await close();
  }
});

test('a lower configured cap applies even when the message does not state the size', async () => {
  const { gemini, h, close } = await setup(1000);
  try {
    const f = h.tg.addFile(Buffer.alloc(5000, 65), { fileName: 'notes.txt' });
    h.tg.sendUserMessage({ chatId: U, document: { fileId: f, fileName: 'notes.txt', mimeType: 'text/plain' } });
    const reply = await h.tg.waitForBotMessage(U);
    assert.match(reply.text, /only read files up to 1 KB/);
    assert.equal(gemini.generateCalls().length, 0);
  } finally {
    await close();
  }
});

test('stickers and unsupported documents get a clear reply without a model call', async () => {
  const { gemini, h, close } = await setup();
  try {
    h.tg.sendUserMessage({
      chatId: U,
      extra: {
        sticker: {
          file_id: 's1',
          file_unique_id: 's1u',
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
        },
      },
    });
    assert.match((await h.tg.waitForBotMessage(U)).text, /can't read stickers/);
    const zip = h.tg.addFile(Buffer.from('PK..'));
    h.tg.sendUserMessage({
      chatId: U,
      document: { fileId: zip, fileName: 'a.zip', mimeType: 'application/zip', fileSize: 4 },
    });
    assert.match((await h.tg.waitForBotMessage(U)).text, /can't open \.zip files/);
    assert.equal(gemini.generateCalls().length, 0);
  } finally {
    await close();
  }
});

/**
 * Point 8 of issue 11, through the whole app: the model whose answer reaches the user has seen the photo.
 * The fake Gemini answers every request with plain text tagged by its position in the request log (it never
 * delegates), so whichever model is asked first answers; that request must have carried the inline image.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { startWholeApp } from '../support/whole-app.ts';

const U = 8801;

function inlineData(req: RecordedRequest): { mimeType: string; data: string }[] {
  return req.contents.flatMap((c) =>
    (c.parts ?? []).flatMap((p) =>
      p.inlineData ? [{ mimeType: String(p.inlineData.mimeType), data: String(p.inlineData.data) }] : [],
    ),
  );
}

test('a photo turn is answered by a model that received the photo inline, in one model call', async () => {
  const gemini = await createFakeGemini();
  const tg = await createFakeTelegram();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `answer #${gemini.requests.indexOf(req)}` }));
  const app = await startWholeApp({ tg, gemini, allowedUserIds: [U] });
  try {
    const photo = Buffer.from('jpeg-bytes-of-a-red-bicycle');
    const fileId = tg.addFile(photo);
    tg.sendUserMessage({ chatId: U, photo: [{ fileId, fileSize: photo.length }], caption: 'what is in this picture?' });
    const reply = await tg.waitForBotMessage(U, (m) => m.text.startsWith('answer #'));
    const index = Number(reply.text.slice('answer #'.length));
    const answered = gemini.requests[index];
    assert.ok(answered, 'the delivered answer came from a recorded request');
    assert.deepEqual(
      inlineData(answered),
      [{ mimeType: 'image/jpeg', data: photo.toString('base64') }],
      'the answering request carried the photo',
    );
    assert.match(answered.lastUserText, /what is in this picture\?/);
    assert.equal(gemini.generateCalls().length, 1, 'no router call before it');

    // A text-only turn still goes to the router (its tools include the agents).
    tg.sendUserMessage({ chatId: U, text: 'thanks!' });
    const text = await tg.waitForBotMessage(U, (m) => m.text.startsWith('answer #'));
    const routed = gemini.requests[Number(text.text.slice('answer #'.length))];
    assert.ok(routed?.toolNames.includes('agent_assistant'), 'the router answered the text turn');
  } finally {
    await app.close();
    await tg.close();
    await gemini.close();
  }
});

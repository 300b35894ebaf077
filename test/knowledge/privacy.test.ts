/**
 * /export and /wipe cover the knowledge base, through the whole app (src/app.ts, the real Telegram commands against
 * the fake Bot API and the fake Gemini, a real libSQL file). The user's documents (their library and what they added
 * to a group) are exported with their text; /wipe erases them with passages, vectors and keyword rows, so the phrase
 * is in no table, nor in the database file or its WAL; another member's group document stays searchable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buttonsOf } from '../e2e/acceptance-support.ts';
import { filesMentioning, rowsMentioning } from '../privacy/support.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram } from '../support/fake-telegram.ts';
import { writePdf } from '../support/pdf-writer.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';

const USER = 9101;
const OTHER = 9202;
const GROUP = -100_9101;
const PHRASE = 'Zanzibarite Orchid 4471';
const OTHER_PHRASE = 'Velvet Anchor 8830';

describe('/export and /wipe cover the knowledge base', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    w = await startWholeApp({ tg, gemini, allowedUserIds: [USER, OTHER] });
    const kb = w.app.knowledge;
    const pdf = writePdf([{ lines: ['Nothing here.'] }, { lines: [`The greenhouse holds the ${PHRASE}.`] }], {
      title: 'Greenhouse notes',
    });
    const own = await kb.ingest({
      scope: `u:${USER}`,
      addedBy: USER,
      fileName: 'g.pdf',
      mimeType: 'application/pdf',
      bytes: pdf,
    });
    assert.equal(own.status, 'ready');
    const group = await kb.ingest({
      scope: `g:${GROUP}`,
      addedBy: USER,
      fileName: 'group.txt',
      mimeType: 'text/plain',
      bytes: new TextEncoder().encode(`Group note: the ${PHRASE} blooms in May.`),
    });
    assert.equal(group.status, 'ready');
    const others = await kb.ingest({
      scope: `g:${GROUP}`,
      addedBy: OTHER,
      fileName: 'other.txt',
      mimeType: 'text/plain',
      bytes: new TextEncoder().encode(`Another member's note about the ${OTHER_PHRASE}.`),
    });
    assert.equal(others.status, 'ready');
    await kb.idle();
    const vectors = await w.store.get('SELECT COUNT(*) AS n FROM knowledge_chunks WHERE vec IS NULL');
    assert.equal(Number(vectors?.n), 0, 'every passage embedded (fake Gemini)');
  });

  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('/export holds the documents the user added, with their text and pages', async () => {
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(USER).find((m) => m.kind === 'document'), {
      label: 'export document',
    });
    const file = tg.file(doc.document?.fileId ?? '');
    assert.ok(file);
    const data = JSON.parse(Buffer.from(file.data).toString('utf8')) as {
      documents: {
        title: string;
        library: string;
        pages: number | null;
        passages: { page?: number; text: string }[];
      }[];
    };
    assert.deepEqual(
      data.documents.map((d) => [d.title, d.library, d.pages]),
      [
        ['Greenhouse notes', `u:${USER}`, 2],
        ['group.txt', `g:${GROUP}`, null],
      ],
    );
    const greenhouse = data.documents[0]?.passages.find((p) => p.text.includes(PHRASE));
    assert.equal(greenhouse?.page, 2);
    assert.ok(!JSON.stringify(data).includes(OTHER_PHRASE), "another member's document is not in it");
  });

  it('/wipe erases the documents with passages, vectors and keyword rows; other members keep theirs', async () => {
    assert.ok((await rowsMentioning(w.store, 'Zanzibarite')).length > 0, 'the phrase is stored before');
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/wipe' });
    const prompt = await tg.waitForBotMessage(USER, (m) => /Erase everything/.test(m.text), 20_000);
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes);
    tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: yes.data, userId: USER });
    await tg.waitFor(() => /^Done\. I erased/.test(tg.message(USER, prompt.messageId)?.text ?? '') || undefined, {
      timeoutMs: 20_000,
      label: 'wipe done',
    });
    assert.deepEqual(await rowsMentioning(w.store, 'Zanzibarite'), [], 'no row of any table');
    assert.deepEqual(filesMentioning(w.db.path, 'Zanzibarite'), [], 'not in the file or the WAL');
    const kb = w.app.knowledge;
    assert.deepEqual(await kb.search(`u:${USER}`, PHRASE), []);
    assert.deepEqual((await kb.list(`u:${USER}`, { offset: 0, limit: 10 })).total, 0);
    const [hit] = await kb.search(`g:${GROUP}`, OTHER_PHRASE);
    assert.match(hit?.text ?? '', /Velvet Anchor 8830/, "the other member's group document stays searchable");
    assert.equal((await kb.list(`g:${GROUP}`, { offset: 0, limit: 10 })).total, 1);
  });
});

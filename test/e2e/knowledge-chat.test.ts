/**
 * Issue 14's acceptance through the whole app (src/app.ts in-process) with the fake Telegram and the fake Gemini:
 * a PDF holding a unique fact is saved to its sender's library (progress → card), survives /new, is found by
 * `knowledge_search` and cited with its page (and a citation button that sends the passage); another user finds
 * nothing; /docs lists it and Delete (confirmed) removes it, after which the same question finds nothing. A 50 MB
 * file and a scanned PDF each get a clear reply. The fake model is scripted by request content only: the assistant
 * calls `knowledge_search`, then answers from the passage it got back (the fact is never in the script).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createFakeGemini, type FakeGemini, type RecordedRequest, type Reply } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { writePdf } from '../support/pdf-writer.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const ALICE = 7301;
const BOB = 7302;
const GROUP = -100730;
const FACT = /ZEPHYR-7731/;

interface Passage {
  citation: string;
  cite_as: string;
  content: string;
}

/** The assistant's answer from what a search returned: the sentence holding a code, cited; or "nothing found". */
function answerFrom(passages: Passage[]): Reply {
  for (const p of passages) {
    const code = /[A-Z]+-\d{4}/.exec(p.content);
    if (code) return { text: `The vault access code is ${code[0]} (${p.cite_as}) [${p.citation}].` };
  }
  return { text: 'I found nothing about that in your library.' };
}

/** Passages injected into the system prompt (a library question), read back the way a model would. */
function injectedPassages(system: string): Passage[] {
  const found = system.matchAll(
    /<<<document_passage citation="([^"]+)" source="([^"]+)"[^\n]*>>>\n([\s\S]*?)\n<<<end_document_passage>>>/g,
  );
  return [...found].map((m) => ({ citation: m[1]!, cite_as: m[2]!, content: m[3]! }));
}

/** The fake model: the router hands questions to the assistant; the assistant searches, then answers. */
function script(req: RecordedRequest): Reply | undefined {
  if (req.kind === 'embed' || req.kind === 'countTokens') return undefined;
  const role = roleOf(req);
  if (role === 'extraction' || role === 'summary') return { text: '[]' };
  if (role === 'router') return { functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }] };
  if (role === 'assistant') {
    const saved = lastFunctionResponses(req).find((r) => r.name === 'knowledge_save');
    if (saved) return { text: saved.response.saved ? `Saved “${String(saved.response.title)}”.` : 'Not saved.' };
    const link = /save this article:? (\S+)/i.exec(req.lastUserText)?.[1];
    if (link) return { functionCalls: [{ name: 'knowledge_save', args: { url: link } }] };
    const search = lastFunctionResponses(req).find((r) => r.name === 'knowledge_search');
    if (search) return answerFrom((search.response.passages ?? []) as Passage[]);
    const injected = injectedPassages(req.systemText);
    if (injected.length > 0) return answerFrom(injected);
    return { functionCalls: [{ name: 'knowledge_search', args: { query: req.lastUserText } }] };
  }
  return { text: 'UNSCRIPTED' };
}

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
let site: Server;
let sitePort = 0;

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  gemini.setHandler(script);
  // A web page to save (loopback is allowed for this app only; the net guard's refusal is tested in test/knowledge).
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (req.url === '/coffee')
      return res.end(
        '<html><head><title>Coffee notes</title></head><body><article><h1>Coffee notes</h1>' +
          '<p>The grinder setting for espresso is MOKA-2207, fine but not powder.</p></article></body></html>',
      );
    res.end(
      '<html><head><title>Tea notes</title></head><body><article><h1>Tea notes</h1>' +
        '<p>The secret house blend is OOLONG-4412, brewed at 85 degrees for three minutes.</p>' +
        '<p>Green teas want cooler water than black teas do.</p></article></body></html>',
    );
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  sitePort = (site.address() as AddressInfo).port;
  app = await startWholeApp({ tg, gemini, allowedUserIds: [ALICE, BOB], allowPrivateFetch: true });
});

after(async () => {
  await new Promise<void>((r) => site?.close(() => r()));
  await app?.close();
  await tg?.close();
  await gemini?.close();
});

const hasButton = (prefix: string) => (m: TranscriptEntry) => buttonsOf(m).some((b) => b.data.startsWith(prefix));

function reportPdf(): Uint8Array {
  return writePdf([
    { title: 'Quarterly report', lines: ['Revenue grew in every region.', 'Costs stayed flat.'] },
    { title: 'Security', lines: ['The vault access code is ZEPHYR-7731.', 'Change it every quarter.'] },
    { title: 'Outlook', lines: ['Next year we open two offices.'] },
  ]);
}

/** Waits until bot message `id` (which may be edited) reads as `predicate` wants, and returns it as it is then. */
function messageNow(chatId: number, id: number, predicate: (m: TranscriptEntry) => boolean): Promise<TranscriptEntry> {
  return tg.waitFor(() => {
    const m = tg.botMessages(chatId).find((e) => e.messageId === id);
    return m && predicate(m) ? m : undefined;
  });
}

async function ask(userId: number, text: string): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: userId, text });
  return tg.waitForBotMessage(userId, (m) => /vault access code is|found nothing/.test(m.text), 20_000);
}

test('a PDF sent to the bot is saved, found after /new, cited with its page; another user finds nothing; Delete removes it', async () => {
  const pdf = reportPdf();
  const fileId = tg.addFile(pdf, { fileName: 'report.pdf', mimeType: 'application/pdf' });
  tg.sendUserMessage({
    chatId: ALICE,
    document: { fileId, fileName: 'report.pdf', mimeType: 'application/pdf', fileSize: pdf.byteLength },
  });
  const card = await tg.waitForBotMessage(ALICE, (m) => hasButton('kb:d:')(m) && /3 pages/.test(m.text), 20_000);
  assert.match(card.text, /passage/, 'the card counts the passages');
  // The title comes from the document (its first heading here), and citations use it.
  assert.match(card.text, /^📄 Quarterly report\n/);
  assert.ok(
    buttonsOf(card).some((b) => b.data.startsWith('kb:a:')),
    'the card has Ask about it',
  );
  assert.equal(gemini.generateCalls().length, 0, 'saving a document without a caption needs no model call');
  assert.equal(card.replyToMessageId !== undefined, true, 'the card answers the document');
  assert.equal(tg.botMessages(ALICE).length, 1, 'one message: "📄 Reading report.pdf… 0 %" became the card (edited)');
  assert.ok(card.edits >= 1);

  // The same file again: nothing new is stored, the card says so.
  const againId = tg.addFile(pdf, { fileName: 'report (1).pdf', mimeType: 'application/pdf' });
  tg.sendUserMessage({
    chatId: ALICE,
    document: { fileId: againId, fileName: 'report (1).pdf', mimeType: 'application/pdf', fileSize: pdf.byteLength },
  });
  const dup = await tg.waitForBotMessage(ALICE, (m) => /already in your library/.test(m.text) && hasButton('kb:d:')(m));
  assert.match(dup.text, /^📄 Quarterly report\n/);

  tg.sendUserMessage({ chatId: ALICE, text: '/new' });
  await tg.waitForBotMessage(ALICE, (m) => /new conversation/i.test(m.text));

  const answer = await ask(ALICE, 'What is the vault access code?');
  assert.match(answer.text, FACT, 'the answer holds the fact from the PDF');
  assert.match(answer.text, /Quarterly report, p\. 2/, 'the answer cites the document and page');
  const cite = buttonsOf(answer).find((b) => b.data.startsWith('kb:c:'));
  assert.ok(cite, 'the answer carries a citation button');
  assert.match(cite.text, /Quarterly report p\. 2/);

  tg.pressButton({ chatId: ALICE, messageId: answer.messageId, data: cite.data });
  const passage = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('📄 Quarterly report, p. 2'), {
    since: answer.messageId,
  });
  assert.match(passage.text, FACT, 'tapping the citation sends the quoted passage');

  // Said to be about the library: the best passages are in the context before any tool call, framed as data.
  const before = gemini.requests.length;
  const injected = await ask(ALICE, 'What is the vault access code in my documents?');
  assert.match(injected.text, FACT);
  const firstAssistant = gemini.requests.slice(before).find((r) => roleOf(r) === 'assistant');
  assert.ok(firstAssistant, 'the assistant answered');
  assert.match(firstAssistant.systemText, /From the user's library/);
  assert.match(firstAssistant.systemText, /untrusted document content/);
  assert.match(
    firstAssistant.systemText,
    /<<<document_passage[^\n]*>>>\n[\s\S]*ZEPHYR-7731[\s\S]*<<<end_document_passage>>>/,
  );
  const plainTurn = gemini.requests.slice(0, before).filter((r) => roleOf(r) === 'assistant');
  assert.ok(
    plainTurn.every((r) => !r.systemText.includes('<<<document_passage')),
    'a question not said to be about the library gets no injected passages',
  );

  const other = await ask(BOB, 'What is the vault access code?');
  assert.doesNotMatch(other.text, FACT, 'another user gets nothing from it');
  assert.ok(!tg.transcript(BOB).some((m) => FACT.test(m.text)), "nothing of Alice's PDF reaches Bob's chat");

  tg.sendUserMessage({ chatId: ALICE, text: '/docs' });
  const list = await tg.waitForBotMessage(ALICE, (m) => /document in the library/.test(m.text));
  assert.match(list.text, /report\.pdf|Quarterly report/);
  const del = buttonsOf(list).find((b) => b.data.startsWith('kb:d:'));
  assert.ok(del, '/docs has a Delete button');
  tg.pressButton({ chatId: ALICE, messageId: list.messageId, data: del.data });
  const confirm = await messageNow(ALICE, list.messageId, (m) => /^Delete /.test(m.text));
  assert.match(confirm.text, /report\.pdf|Quarterly report/);
  const yes = buttonsOf(confirm).find((b) => b.data.startsWith('kb:y:'));
  assert.ok(yes, 'Delete asks first');
  tg.pressButton({ chatId: ALICE, messageId: list.messageId, data: yes.data });
  await messageNow(ALICE, list.messageId, (m) => /library is empty/.test(m.text));

  const again = await ask(ALICE, 'What is the vault access code?');
  assert.doesNotMatch(again.text, FACT, 'after Delete the same question finds nothing');

  tg.pressButton({ chatId: ALICE, messageId: answer.messageId, data: cite.data });
  await tg.waitFor(() => (tg.callbackAnswers().some((a) => /deleted/i.test(String(a.text ?? ''))) ? true : undefined));
});

test('a 50 MB file and a scanned PDF each get a clear reply, and nothing is stored', async () => {
  const big = tg.addFile('tiny stand-in', {
    size: 50 * 1024 * 1024,
    fileName: 'huge.pdf',
    mimeType: 'application/pdf',
  });
  tg.sendUserMessage({
    chatId: BOB,
    document: { fileId: big, fileName: 'huge.pdf', mimeType: 'application/pdf', fileSize: 50 * 1024 * 1024 },
  });
  const tooBig = await tg.waitForBotMessage(BOB, (m) => /huge\.pdf/.test(m.text));
  assert.match(tooBig.text, /50\.0 MB/);
  assert.match(tooBig.text, /can only read files up to 14\.2 MB/);
  assert.match(tooBig.text, /split|compress|\/save/i, 'it says what to do instead');

  const scan = writePdf([{ image: true }, { image: true }]);
  const scanId = tg.addFile(scan, { fileName: 'scan.pdf', mimeType: 'application/pdf' });
  tg.sendUserMessage({
    chatId: BOB,
    document: { fileId: scanId, fileName: 'scan.pdf', mimeType: 'application/pdf', fileSize: scan.byteLength },
  });
  const reading = await tg.waitForBotMessage(BOB, (m) => /scan\.pdf/.test(m.text));
  const noText = await messageNow(BOB, reading.messageId, (m) => /no text/i.test(m.text));
  assert.match(noText.text, /OCR|paste the text/i, 'it says what to do next');

  tg.sendUserMessage({ chatId: BOB, text: '/docs' });
  const list = await tg.waitForBotMessage(BOB, (m) => /library is empty/.test(m.text));
  assert.ok(list, 'neither file was stored');
});

test('/save keeps a web page with the same card; a reply to the card brings its passages into the turn; a caption is answered too', async () => {
  tg.sendUserMessage({ chatId: ALICE, text: '/save' });
  await tg.waitForBotMessage(ALICE, (m) => /Send \/save with a link/.test(m.text));
  tg.sendUserMessage({ chatId: ALICE, text: '/save ftp://example.com/x' });
  await tg.waitForBotMessage(ALICE, (m) => /doesn't look like a web link/.test(m.text));

  tg.sendUserMessage({ chatId: ALICE, text: `/save http://127.0.0.1:${sitePort}/tea` });
  const card = await tg.waitForBotMessage(ALICE, (m) => hasButton('kb:d:')(m) && /Tea notes/.test(m.text), 20_000);
  assert.match(card.text, /Saved to your library/);

  const before = gemini.requests.length;
  tg.sendUserMessage({ chatId: ALICE, text: 'Which blend is the house one?', replyToMessageId: card.messageId });
  const answer = await tg.waitForBotMessage(ALICE, (m) => /vault access code is|found nothing/.test(m.text), 20_000);
  assert.match(answer.text, /OOLONG-4412/);
  const firstAssistant = gemini.requests.slice(before).find((r) => roleOf(r) === 'assistant');
  assert.match(firstAssistant?.systemText ?? '', /<<<document_passage[^\n]*Tea notes[\s\S]*OOLONG-4412/);

  const notes = Buffer.from('# Packing list\n\nBring the blue tent and the code LANTERN-9090 for the gate.\n');
  const notesId = tg.addFile(notes, { fileName: 'notes.md', mimeType: 'text/markdown' });
  tg.sendUserMessage({
    chatId: ALICE,
    caption: 'What is the gate code?',
    document: { fileId: notesId, fileName: 'notes.md', mimeType: 'text/markdown', fileSize: notes.byteLength },
  });
  await tg.waitForBotMessage(ALICE, (m) => hasButton('kb:d:')(m) && /Packing list/.test(m.text), 20_000);
  const captioned = await tg.waitForBotMessage(ALICE, (m) => /LANTERN-9090/.test(m.text), 20_000);
  assert.ok(captioned, 'the caption is answered as a turn after the card');
});

test('"save this article" goes through the approval policy; a group shares one library, and only who added a document deletes it', async () => {
  const url = `http://127.0.0.1:${sitePort}/coffee`;
  tg.sendUserMessage({ chatId: ALICE, text: `Please save this article: ${url}` });
  const prompt = await tg.waitForBotMessage(ALICE, (m) => buttonsOf(m).some((b) => b.data.startsWith('ap:')), 20_000);
  assert.match(prompt.text, /Save a page from 127\.0\.0\.1 to your library\?/);
  const yes = buttonsOf(prompt).find((b) => b.text === 'Save');
  assert.ok(yes, 'the confirmation offers Save');
  tg.pressButton({ chatId: ALICE, messageId: prompt.messageId, data: yes.data, userId: ALICE });
  await tg.waitForBotMessage(ALICE, (m) => /Saved “Coffee notes”/.test(m.text), 20_000);
  tg.sendUserMessage({ chatId: ALICE, text: '/docs' });
  await tg.waitForBotMessage(ALICE, (m) => /Coffee notes/.test(m.text) && /in the library/.test(m.text));

  // In a group, a document sent to the bot goes to the group's library: every member finds it, only its sender deletes it.
  const memo = Buffer.from('Team memo\n\nThe offsite badge code is BADGE-5150. Bring it on Monday.\n');
  const memoId = tg.addFile(memo, { fileName: 'memo.txt', mimeType: 'text/plain' });
  const botName = `@${tg.botUser.username}`;
  tg.sendUserMessage({
    chatId: GROUP,
    chatType: 'supergroup',
    chatTitle: 'Team',
    userId: ALICE,
    firstName: 'Alice',
    caption: botName,
    document: { fileId: memoId, fileName: 'memo.txt', mimeType: 'text/plain', fileSize: memo.byteLength },
  });
  const card = await tg.waitForBotMessage(GROUP, (m) => hasButton('kb:d:')(m), 20_000);
  assert.match(card.text, /this group's library/);
  tg.sendUserMessage({ chatId: GROUP, chatType: 'supergroup', userId: BOB, firstName: 'Bob', text: `/docs${botName}` });
  const list = await tg.waitForBotMessage(GROUP, (m) => /document in the library/.test(m.text));
  assert.match(list.text, /memo\.txt|Team memo/);
  const del = buttonsOf(list).find((b) => b.data.startsWith('kb:d:'));
  assert.ok(del);
  tg.pressButton({ chatId: GROUP, messageId: list.messageId, data: del.data, userId: BOB });
  await tg.waitFor(() =>
    tg.callbackAnswers().some((a) => /Only the person who added/.test(a.text ?? '')) ? true : undefined,
  );
  tg.sendUserMessage({ chatId: BOB, text: '/docs' });
  const bobs = await tg.waitForBotMessage(BOB, (m) => /library is empty|in the library/.test(m.text));
  assert.doesNotMatch(bobs.text, /memo|Coffee/, "the group's and Alice's documents are not in Bob's own library");
});

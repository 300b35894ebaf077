/**
 * Issue 17's analyst acceptance through the whole app (src/app.ts in-process) with the fake Telegram and the fake
 * Gemini: a CSV sent with "plot this" is routed to the analyst, which gets the file and the code execution tool; the
 * chart its code drew comes back as a photo (the very PNG bytes the model returned) after the answer, and "Show code"
 * posts the code in an expandable blockquote. Arithmetic goes the same way without a file; a failed run is answered
 * and its error shown. The fake model is scripted by request content only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CodeStep,
  createFakeGemini,
  type FakeGemini,
  type RecordedRequest,
  type Reply,
} from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';
import { writeXlsx } from '../support/xlsx-writer.ts';
import { buttonsOf, roleOf } from './acceptance-support.ts';

const ALICE = 7401;
const ANALYST = 'You are a careful data analyst';
/** A 1×1 PNG: the figure Matplotlib drew, as the model returns it. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV = 'month,sales\nJan,10\nFeb,12\nMar,15\n';
const PLOT_CODE = "import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.plot(x='month', y='sales')";

/** What the analyst did for a task, by its words: plot the attached file, compute, or fail. */
function analystReply(req: RecordedRequest): Reply {
  const file = req.contents.at(-1)?.parts?.find((p) => p.inlineData)?.inlineData;
  const steps = (...s: CodeStep[]) => s;
  if (/plot/.test(req.lastUserText)) {
    const table = Buffer.from(file?.data ?? '', 'base64').toString();
    if (file?.mimeType !== 'text/csv' || !/^month,sales\r?\nJan,10\r?\nFeb,12\r?\nMar,15\r?\n$/.test(table))
      return { text: 'I did not get the file.' };
    return {
      preamble: 'Plotting the sales.',
      codeExecution: steps({ code: PLOT_CODE, output: '', files: [{ mimeType: 'image/png', data: PNG }] }),
      text: 'Sales rise every month, from 10 in January to 15 in March.',
    };
  }
  if (/17\.5%/.test(req.lastUserText))
    return {
      codeExecution: steps({ code: 'print(2480 * 0.175)', output: '434.0\n' }),
      text: '17.5% of 2480 is **434**.',
    };
  if (/median/.test(req.lastUserText))
    return {
      codeExecution: steps({
        code: 'import statistics\nprint(statistics.median(data))',
        outcome: 'OUTCOME_FAILED',
        output: "NameError: name 'data' is not defined",
      }),
      text: 'I could not compute the median: there are no numbers to work on. Send them or a CSV file.',
    };
  return { text: 'UNSCRIPTED analyst' };
}

function script(req: RecordedRequest): Reply | undefined {
  if (req.kind === 'embed' || req.kind === 'countTokens') return undefined;
  const role = roleOf(req);
  if (role === 'extraction' || role === 'summary') return { text: '[]' };
  if (req.systemText.includes(ANALYST)) return analystReply(req);
  if (role === 'router') {
    if (/\[Attached: sales\.csv|17\.5%|median/.test(req.lastUserText))
      return { functionCalls: [{ name: 'agent_analyst', args: { task: req.lastUserText } }] };
    return { text: 'Hello!' };
  }
  return { text: `UNSCRIPTED ${role ?? req.model}` };
}

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  gemini.setHandler(script);
  app = await startWholeApp({ tg, gemini, allowedUserIds: [ALICE] });
});

after(async () => {
  await app?.close();
  await tg?.close();
  await gemini?.close();
});

const showCode = (m: TranscriptEntry) => buttonsOf(m).find((b) => b.data.startsWith('code:'));

/** Presses Show code under `answer` and returns the message it posts. */
async function pressShowCode(answer: TranscriptEntry): Promise<TranscriptEntry> {
  const button = showCode(answer);
  assert.ok(button, 'the answer has a Show code button');
  assert.equal(button.text, '🧮 Show code');
  tg.pressButton({ chatId: ALICE, messageId: answer.messageId, data: button.data });
  return tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('Code I ran'), { since: answer.messageId });
}

test('a CSV sent with "plot this" comes back as a chart photo; Show code shows the code', async () => {
  const data = Buffer.from(CSV);
  const fileId = tg.addFile(data, { fileName: 'sales.csv', mimeType: 'text/csv' });
  tg.sendUserMessage({
    chatId: ALICE,
    caption: 'plot this',
    document: { fileId, fileName: 'sales.csv', mimeType: 'text/csv', fileSize: data.byteLength },
  });
  const answer = await tg.waitForBotMessage(ALICE, (m) => /Sales rise every month/.test(m.text), 20_000);
  assert.match(answer.text, /^Plotting the sales\.\n\nSales rise every month/, 'text around the code, as paragraphs');
  const photo = await tg.waitForBotMessage(ALICE, (m) => m.kind === 'photo', { since: answer.messageId });
  assert.ok(photo.photo, 'the chart is sent as a photo, after the answer');
  assert.deepEqual(Buffer.from(tg.file(photo.photo.fileId)?.data ?? []), PNG, 'the PNG bytes the model returned');
  assert.equal(tg.callsOf('sendPhoto').length, 1);

  const generate = gemini.generateCalls().filter((r) => roleOf(r) !== 'extraction' && roleOf(r) !== 'summary');
  const router = generate.find((r) => roleOf(r) === 'router');
  const analyst = generate.find((r) => r.systemText.includes(ANALYST));
  assert.ok(router && analyst, 'the router delegated to the analyst');
  assert.deepEqual(analyst.body.tools, [{ codeExecution: {} }], 'the analyst request enables code execution');
  assert.ok(!JSON.stringify(router.contents).includes(data.toString('base64')), 'the router never got the bytes');

  const code = await pressShowCode(answer);
  assert.equal(code.replyToMessageId, answer.messageId);
  assert.match(code.text, /df = pd\.read_csv\('sales\.csv'\)/);
  const quote = code.entities.find((e) => e.type === 'expandable_blockquote');
  assert.ok(quote, 'the code is in an expandable blockquote');
  assert.equal(code.text.slice(quote.offset, quote.offset + quote.length), PLOT_CODE);
});

test('an Excel workbook reaches the analyst as CSV and comes back as a chart photo', async () => {
  const book = writeXlsx([
    {
      name: 'Sheet1',
      rows: [
        ['month', 'sales'],
        ['Jan', 10],
        ['Feb', 12],
        ['Mar', 15],
      ],
    },
  ]);
  const fileId = tg.addFile(book, { fileName: 'sales.xlsx', mimeType: XLSX });
  const photos = tg.callsOf('sendPhoto').length;
  tg.sendUserMessage({
    chatId: ALICE,
    caption: 'plot this',
    document: { fileId, fileName: 'sales.xlsx', mimeType: XLSX, fileSize: book.byteLength },
  });
  const answer = await tg.waitForBotMessage(ALICE, (m) => /Sales rise every month|did not get/.test(m.text), {
    since: tg.botMessages(ALICE).at(-1)?.messageId ?? 0,
    timeoutMs: 20_000,
  });
  assert.match(answer.text, /Sales rise every month/, 'the analyst got the sheet as sales.csv');
  const photo = await tg.waitForBotMessage(ALICE, (m) => m.kind === 'photo', { since: answer.messageId });
  assert.deepEqual(Buffer.from(tg.file(photo.photo?.fileId ?? '')?.data ?? []), PNG);
  assert.equal(tg.callsOf('sendPhoto').length, photos + 1);
});

test('arithmetic goes to the analyst and is computed; no file, a Show code button', async () => {
  tg.sendUserMessage({ chatId: ALICE, text: 'what is 17.5% of 2480?' });
  const answer = await tg.waitForBotMessage(ALICE, (m) => /17\.5% of 2480 is 434/.test(m.text), 20_000);
  const code = await pressShowCode(answer);
  assert.match(code.text, /print\(2480 \* 0\.175\)/);
  assert.match(code.text, /Output\n434\.0/);
  assert.equal(tg.callsOf('sendPhoto').length, 2, 'no new photo');
  assert.equal(tg.callsOf('sendDocument').length, 0);
});

test('a failed run is answered plainly, and Show code marks it failed with its error', async () => {
  tg.sendUserMessage({ chatId: ALICE, text: 'the median please' });
  const answer = await tg.waitForBotMessage(ALICE, (m) => /could not compute the median/.test(m.text), 20_000);
  const code = await pressShowCode(answer);
  assert.match(code.text, /failed/);
  assert.match(code.text, /NameError: name 'data' is not defined/);
});

test('Show code for an answer no longer kept says so and takes the button away', async () => {
  const answer = tg
    .botMessages(ALICE)
    .filter((m) => showCode(m))
    .at(-1);
  assert.ok(answer);
  await app.store.run("DELETE FROM memory_messages WHERE chat_id = ? AND role = 'model'", [ALICE]);
  tg.pressButton({ chatId: ALICE, messageId: answer.messageId, data: showCode(answer)!.data });
  const said = await tg.waitFor(() => tg.callbackAnswers().find((a) => /no longer kept/.test(a.text ?? '')));
  assert.equal(said.showAlert, true);
  await tg.waitFor(() =>
    showCode(tg.botMessages(ALICE).find((m) => m.messageId === answer.messageId)!) ? undefined : true,
  );
});

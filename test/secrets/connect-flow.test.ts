/**
 * /connect, /connections and /wipe through the whole app (src/app.ts) against the fake Bot API and the fake Gemini,
 * on a real libSQL file, with every log line captured at trace level. The value a user sends after /connect is
 * stored encrypted, their message is deleted, and the value reaches no table in clear, no byte of the database
 * file, no log line, no Gemini request and no /export.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/clock.ts';
import { createSecretStore } from '../../src/secrets/secret-store.ts';
import { buttonsOf, roleOf } from '../e2e/acceptance-support.ts';
import { filesMentioning, rowsMentioning } from '../privacy/support.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';

const USER = 8801;
const GROUP = -100_8801;
const KEY = randomBytes(32).toString('base64');
const VALUE = 'tok-Zanzibar-Kettle-90817';
const INLINE_VALUE = 'tok-Inline-Marigold-31337';
const GROUP_VALUE = 'tok-Group-Walrus-44120';

function captureLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

async function say(tg: FakeTelegram, text: string, expected: RegExp, chatId = USER): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId, userId: USER, text });
  return tg.waitForBotMessage(chatId, (m) => expected.test(m.text), { timeoutMs: 20_000 });
}

function chatBrain(gemini: FakeGemini): void {
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (roleOf(req) === 'extraction') return { text: '[]' };
    return { text: `Model answer to: ${req.lastUserText.slice(0, 40)}` };
  });
}

describe('/connect with SECRETS_KEY set', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let w: WholeApp;
  const log = captureLog();
  const secrets = () => createSecretStore({ store: w.store, clock: systemClock, key: KEY });

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    chatBrain(gemini);
    w = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [USER],
      env: { SECRETS_KEY: KEY },
      log: { level: 'trace', destination: log.destination },
    });
  });

  after(async () => {
    await w?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('stores the value, deletes the message, confirms; the value is in no record, log, model request or export', async () => {
    const ask = await say(tg, '/connect todoist', /Send the value for “todoist”/);
    assert.deepEqual(
      buttonsOf(ask).map((b) => b.data),
      ['sec:x'],
    );
    const sent = tg.sendUserMessage({ chatId: USER, userId: USER, text: VALUE });
    const valueMessageId = sent.message?.message_id;
    const done = await tg.waitForBotMessage(USER, (m) => /Saved “todoist”/.test(m.text), { timeoutMs: 20_000 });
    assert.match(done.text, /I deleted your message/);
    const deletions = tg.callsOf('deleteMessage').map((c) => [Number(c.payload.chat_id), Number(c.payload.message_id)]);
    assert.deepEqual(deletions, [[USER, valueMessageId]], 'the message with the value was deleted');
    const entry = (id: number | undefined) => tg.transcript(USER).find((m) => m.messageId === id);
    assert.equal(entry(valueMessageId)?.deleted, true, 'gone from the chat');
    assert.deepEqual(buttonsOf(entry(ask.messageId)), [], 'the Cancel button is gone');
    assert.equal(await secrets().get(USER, 'todoist'), VALUE, 'stored, and decrypts with the key');

    // An ordinary message afterwards goes to the model as usual.
    await say(tg, 'What is on my list today?', /Model answer to: What is on my list/);
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/export' });
    const doc = await tg.waitFor(() => tg.botMessages(USER).find((m) => m.kind === 'document'), {
      label: 'export document',
      timeoutMs: 20_000,
    });
    const exported = Buffer.from(tg.file(doc.document?.fileId ?? '')?.data ?? new Uint8Array()).toString('utf8');
    const data = JSON.parse(exported) as { connections: { name: string; addedAt: string }[] };
    assert.deepEqual(
      data.connections.map((c) => c.name),
      ['todoist'],
      '/export lists the name',
    );
    assert.ok(data.connections[0]?.addedAt, 'and its date');

    assert.ok(gemini.requests.length > 0, 'the model was asked for the ordinary message');
    assert.deepEqual(
      gemini.requests.filter((r) => JSON.stringify(r.body).includes(VALUE)).map((r) => r.kind),
      [],
      'no Gemini request carries the value',
    );
    assert.ok(!exported.includes(VALUE), 'the export does not hold the value');
    assert.deepEqual(await rowsMentioning(w.store, VALUE), [], 'no table holds the value in clear');
    await w.store.checkpoint();
    assert.deepEqual(filesMentioning(w.db.path, VALUE), [], 'no byte of the database file or WAL holds it');
    assert.ok(
      log.lines.some((l) => l.includes('/connect value handled')),
      'the log is captured, at trace level',
    );
    assert.deepEqual(
      log.lines.filter((l) => l.includes(VALUE)),
      [],
      'no log line holds the value',
    );
  });

  it('a value typed into the command itself is stored and deleted the same way, never journaled', async () => {
    const sent = tg.sendUserMessage({ chatId: USER, userId: USER, text: `/connect github ${INLINE_VALUE}` });
    await tg.waitForBotMessage(USER, (m) => /Saved “github”/.test(m.text), { timeoutMs: 20_000 });
    assert.ok(
      tg.callsOf('deleteMessage').some((c) => Number(c.payload.message_id) === sent.message?.message_id),
      'the command message was deleted',
    );
    assert.equal(await secrets().get(USER, 'github'), INLINE_VALUE);
    assert.deepEqual(await rowsMentioning(w.store, INLINE_VALUE), []);
    assert.deepEqual(
      log.lines.filter((l) => l.includes(INLINE_VALUE)),
      [],
    );
  });

  it('/connections lists names and dates without values; Delete asks first, then deletes', async () => {
    const list = await say(tg, '/connections', /Your connections \(2\)/);
    assert.match(list.text, /• github: added/);
    assert.match(list.text, /• todoist: added/);
    assert.ok(!list.text.includes(VALUE) && !list.text.includes(INLINE_VALUE), 'no value shown');
    const del = buttonsOf(list).find((b) => b.text.includes('todoist'));
    assert.equal(del?.data, 'sec:d:todoist');
    tg.pressButton({ chatId: USER, messageId: list.messageId, data: del?.data ?? '', userId: USER });
    const confirm = await tg.waitFor(
      () => {
        const m = tg.botMessages(USER).find((b) => b.messageId === list.messageId);
        return m && /Delete “todoist”\?/.test(m.text) ? m : undefined;
      },
      { label: 'delete confirmation', timeoutMs: 20_000 },
    );
    assert.equal(await secrets().get(USER, 'todoist'), VALUE, 'nothing deleted before the confirmation');
    const yes = buttonsOf(confirm).find((b) => b.data === 'sec:y:todoist');
    assert.ok(yes, 'a Delete button on the confirmation');
    tg.pressButton({ chatId: USER, messageId: list.messageId, data: yes.data, userId: USER });
    await tg.waitFor(() => /Your connections \(1\)/.test(tg.message(USER, list.messageId)?.text ?? '') || undefined, {
      label: 'list after delete',
      timeoutMs: 20_000,
    });
    assert.equal(await secrets().get(USER, 'todoist'), undefined);
    assert.equal(await secrets().get(USER, 'github'), INLINE_VALUE, 'the other one stays');
  });

  it('/cancel or the Cancel button stops a waiting request: the next message is an ordinary one', async () => {
    await say(tg, '/connect notion', /Send the value for “notion”/);
    await say(tg, '/cancel', /Cancelled: nothing was stored for “notion”/);
    await say(tg, 'Just chatting now', /Model answer to: Just chatting now/);
    const ask = await say(tg, '/connect notion', /Send the value for “notion”/);
    tg.pressButton({ chatId: USER, messageId: ask.messageId, data: 'sec:x', userId: USER });
    await tg.waitFor(() => /^Cancelled/.test(tg.message(USER, ask.messageId)?.text ?? '') || undefined, {
      label: 'prompt cancelled',
      timeoutMs: 20_000,
    });
    await say(tg, 'Chatting again', /Model answer to: Chatting again/);
    assert.equal(await secrets().get(USER, 'notion'), undefined);
    const help = await say(tg, '/help', /connect/);
    assert.match(help.text, /\/connect/);
    assert.match(help.text, /\/connections/);
  });

  it('in a group: /connect answers to use a private chat, and a value in the command is never journaled', async () => {
    await say(tg, '/connect todoist', /only in our private chat/, GROUP);
    await say(tg, `/connect todoist ${GROUP_VALUE}`, /only in our private chat/, GROUP);
    assert.equal(await secrets().get(USER, 'todoist'), undefined, 'nothing stored from a group');
    assert.deepEqual(await rowsMentioning(w.store, GROUP_VALUE), []);
  });

  it('/wipe removes the user’s secrets', async () => {
    assert.equal((await secrets().list(USER)).length, 1);
    const prompt = await say(tg, '/wipe', /Erase everything/);
    const yes = buttonsOf(prompt).find((b) => b.text.includes('Yes'));
    assert.ok(yes, 'a Yes button');
    tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: yes.data, userId: USER });
    await tg.waitFor(() => /^Done\. I erased/.test(tg.message(USER, prompt.messageId)?.text ?? '') || undefined, {
      timeoutMs: 20_000,
      label: 'wipe done',
    });
    assert.deepEqual(await secrets().list(USER), []);
    assert.equal(Number((await w.store.get('SELECT COUNT(*) AS n FROM user_secrets'))?.n), 0);
  });
});

describe('/connect without a usable SECRETS_KEY', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  const db = tempDbUrl('connect-no-key');

  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    chatBrain(gemini);
  });

  after(async () => {
    await tg?.close();
    await gemini?.close();
    await db.cleanup();
  });

  it('unset: the bot runs, and /connect says the owner must set SECRETS_KEY and how', async () => {
    const w = await startWholeApp({ tg, gemini, allowedUserIds: [USER], db });
    try {
      const reply = await say(tg, '/connect todoist', /SECRETS_KEY/);
      assert.match(reply.text, /owner of this bot has to set SECRETS_KEY/);
      assert.match(reply.text, /openssl rand -base64 32/);
      await say(tg, 'Hello there', /Model answer to: Hello there/);
    } finally {
      await w.close();
    }
  });

  it('wrong: after a restart with another key, /connect says the key does not match (and stores nothing)', async () => {
    const first = await startWholeApp({ tg, gemini, allowedUserIds: [USER], db, env: { SECRETS_KEY: KEY } });
    try {
      await say(tg, '/connect todoist', /Send the value/);
      await say(tg, VALUE, /Saved “todoist”/);
    } finally {
      await first.close();
    }
    const other = randomBytes(32).toString('base64');
    const second = await startWholeApp({ tg, gemini, allowedUserIds: [USER], db, env: { SECRETS_KEY: other } });
    try {
      const reply = await say(tg, '/connect todoist', /SECRETS_KEY/);
      assert.match(reply.text, /not the key your secrets were saved with/);
    } finally {
      await second.close();
    }
    // The right key after another restart still opens it.
    const third = await startWholeApp({ tg, gemini, allowedUserIds: [USER], db, env: { SECRETS_KEY: KEY } });
    try {
      assert.equal(
        await createSecretStore({ store: third.store, clock: systemClock, key: KEY }).get(USER, 'todoist'),
        VALUE,
      );
    } finally {
      await third.close();
    }
  });
});

/**
 * The /connect feature on the real inbound front end (bot, journal, dispatcher) against the fake Bot API, with its
 * own Clock a manual one: an unanswered request expires on that clock, its prompt says so, and a message sent
 * afterwards is an ordinary one. A photo sent while a request waits gets "send it as text".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';
import { createConnectPrompts } from '../../src/secrets/connect-prompts.ts';
import { createSecretStore } from '../../src/secrets/secret-store.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { CONNECT_TTL_MS, createValueCapture } from '../../src/telegram/features/connect-capture.ts';
import { connectCommands, createConnectFeature } from '../../src/telegram/features/connect.ts';
import { createTelegramApi } from '../../src/telegram/front-end.ts';
import { createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createFakeTelegram, type FakeTelegram } from '../support/fake-telegram.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { type Inbound, startInbound } from '../telegram/inbound-harness.ts';

const USER = 6611;
const served = new Set([USER]);

describe('/connect timeout on the Clock', () => {
  const clock = createManualClock(Date.now());
  const db = tempDbUrl('connect-expiry');
  let tg: FakeTelegram;
  let store: Store;
  let inbound: Inbound;
  let closeLimiter: () => void;

  before(async () => {
    tg = await createFakeTelegram();
    store = await createStore({ url: db.url, migrations });
    const log = createLogger({ level: 'silent' });
    const limiter = createRateLimiter({ clock: systemClock, privatePerSec: 100, lightIntervalMs: 1 });
    closeLimiter = () => limiter.close();
    const outbox = createTelegramOutbox({
      api: createTelegramApi(tg.token, tg.apiRoot),
      store,
      clock: systemClock,
      log,
      limiter,
    });
    const secrets = createSecretStore({ store, clock, key: randomBytes(32).toString('base64') });
    const prompts = createConnectPrompts({ store, clock });
    inbound = await startInbound({
      tg,
      db,
      allowedUserIds: [USER],
      features: [
        {
          composer: createConnectFeature({ secrets, prompts, outbox, clock }),
          commands: connectCommands,
          intercept: createValueCapture({
            prompts,
            secrets,
            log,
            now: () => clock.now(),
            isServed: async (id) => served.has(id),
          }),
        },
      ],
    });
  });

  after(async () => {
    await inbound?.close();
    closeLimiter?.();
    await store?.close();
    await tg?.close();
    await db.cleanup();
  });

  it('a photo while waiting asks for text; after the timeout the prompt says it expired and nothing is captured', async () => {
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/connect todoist' });
    const ask = await tg.waitForBotMessage(USER, (m) => /Send the value for “todoist”/.test(m.text), {
      timeoutMs: 20_000,
    });
    const photo = tg.addFile(new Uint8Array([1, 2, 3]), { mimeType: 'image/jpeg' });
    tg.sendUserMessage({ chatId: USER, userId: USER, photo: [{ fileId: photo }] });
    await tg.waitForBotMessage(USER, (m) => /as a plain text message, or \/cancel/.test(m.text), { timeoutMs: 20_000 });

    await clock.advance(CONNECT_TTL_MS);
    await tg.waitFor(() => /expired/.test(tg.message(USER, ask.messageId)?.text ?? '') || undefined, {
      label: 'prompt expired',
      timeoutMs: 20_000,
    });
    assert.match(tg.message(USER, ask.messageId)?.text ?? '', /Send \/connect todoist to try again/);
    assert.equal(await createConnectPrompts({ store, clock }).get(USER), undefined, 'the request is closed');
    const late = tg.sendUserMessage({ chatId: USER, userId: USER, text: 'too-late-value-1234' });
    // The chat runs in order: once the next command is answered, the late message has been journaled and handled.
    tg.sendUserMessage({ chatId: USER, userId: USER, text: '/connect notion' });
    await tg.waitForBotMessage(USER, (m) => /Send the value for “notion”/.test(m.text), { timeoutMs: 20_000 });
    const row = await inbound.store.get('SELECT payload FROM updates WHERE update_id = ?', [late.update_id]);
    assert.match(String(row?.payload), /too-late-value-1234/, 'after the timeout a message is an ordinary one');
    assert.equal(tg.callsOf('deleteMessage').length, 0);
  });
});

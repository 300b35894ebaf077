/**
 * The intake step of /connect (src/telegram/features/connect-capture.ts) with the real secret store and pending
 * requests on a libSQL file and a manual clock: which updates it replaces (the value, a redelivery of it, an edit of
 * it, a value typed into the command) and which it leaves alone (commands, other chats, after the timeout).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Update } from 'grammy/types';
import { createLogger } from '../../src/core/logger.ts';
import { type ConnectPrompts, createConnectPrompts } from '../../src/secrets/connect-prompts.ts';
import { createSecretStore } from '../../src/secrets/secret-store.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { CONNECT_TTL_MS, createValueCapture } from '../../src/telegram/features/connect-capture.ts';
import { rowsMentioning } from '../privacy/support.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const USER = 4242;
const KEY = randomBytes(32).toString('base64');
const VALUE = 'tok-Capture-Pelican-5150';
const log = createLogger({ level: 'silent' });
const served = new Set([USER]);

let db: TempDb;
let store: Store;
let prompts: ConnectPrompts;
const clock = createManualClock();

function message(id: number, text: string, chatId = USER, field: 'message' | 'edited_message' = 'message'): Update {
  const type = chatId > 0 ? 'private' : 'supergroup';
  return {
    update_id: 1000 + id,
    [field]: {
      message_id: id,
      date: 1,
      chat: { id: chatId, type, ...(type === 'private' ? { first_name: 'T' } : { title: 'G' }) },
      from: { id: USER, is_bot: false, first_name: 'T' },
      text,
    },
  } as unknown as Update;
}

beforeEach(async () => {
  db = tempDbUrl('capture');
  store = await createStore({ url: db.url, migrations });
  prompts = createConnectPrompts({ store, clock });
});
afterEach(async () => {
  await store.close();
  await db.cleanup();
});

describe('/connect value capture at intake', () => {
  it('replaces the value message with a bare one and stores it; a redelivery and an edit are replaced too', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    const capture = createValueCapture({
      prompts,
      secrets,
      log,
      now: () => clock.now(),
      isServed: async (id) => served.has(id),
    });
    assert.equal(await capture(message(1, 'hello')), undefined, 'nothing waits: left alone');
    await prompts.open(USER, USER, 'todoist', CONNECT_TTL_MS);
    assert.equal(await capture(message(2, '/help')), undefined, 'commands pass');
    assert.equal(await capture(message(3, 'in a group', -100_1)), undefined, 'other chats pass');

    const replaced = await capture(message(4, ` ${VALUE} `));
    assert.ok(replaced, 'the value message is replaced');
    assert.ok(!JSON.stringify(replaced).includes(VALUE), 'the replacement has no value');
    assert.equal(replaced.message?.message_id, 4, 'ids stay, so the chat feature can delete the message');
    assert.equal(await secrets.get(USER, 'todoist'), VALUE, 'stored, trimmed');
    const prompt = await prompts.captured(USER, USER, 4);
    assert.equal(prompt?.status, 'stored');

    const again = await capture(message(4, VALUE));
    assert.ok(again && !JSON.stringify(again).includes(VALUE), 'a redelivered update is replaced again');
    const edit = await capture(message(4, `${VALUE}-edited`, USER, 'edited_message'));
    assert.ok(edit && !JSON.stringify(edit).includes(VALUE), 'an edit of the value message is replaced');
    assert.equal(await capture(message(5, 'the next message')), undefined, 'the request took one message only');
    assert.deepEqual(await rowsMentioning(store, VALUE), []);
  });

  it('a value typed into the command is stored; in a group it is only stripped', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    const capture = createValueCapture({
      prompts,
      secrets,
      log,
      now: () => clock.now(),
      isServed: async (id) => served.has(id),
    });
    const inGroup = await capture(message(1, `/connect todoist ${VALUE}`, -100_7));
    assert.ok(inGroup && !JSON.stringify(inGroup).includes(VALUE));
    assert.equal(await secrets.get(USER, 'todoist'), undefined);
    const inline = await capture(message(2, `/connect todoist ${VALUE} `));
    assert.equal(inline?.message?.text, '/connect', 'the command stays, without its arguments');
    assert.equal(await secrets.get(USER, 'todoist'), VALUE);
    assert.equal((await prompts.captured(USER, USER, 2))?.status, 'stored');
    assert.equal(await capture(message(3, '/connect todoist')), undefined, 'a bare /connect is the feature’s');
    served.delete(USER);
    try {
      const stranger = await capture(message(4, '/connect github stranger-value-777'));
      assert.equal(stranger?.message?.text, '/connect', 'a stranger’s value is stripped too');
      assert.equal(await secrets.get(USER, 'github'), undefined, 'but nothing is stored for someone not served');
    } finally {
      served.add(USER);
    }
  });

  it('after the timeout (on the Clock) the next message is an ordinary one', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    const capture = createValueCapture({
      prompts,
      secrets,
      log,
      now: () => clock.now(),
      isServed: async (id) => served.has(id),
    });
    await prompts.open(USER, USER, 'todoist', CONNECT_TTL_MS);
    await clock.advance(CONNECT_TTL_MS - 1);
    assert.equal((await prompts.waiting(USER, USER))?.name, 'todoist', 'still waiting just before');
    await clock.advance(1);
    assert.equal(await capture(message(1, VALUE)), undefined);
    assert.equal(await secrets.get(USER, 'todoist'), undefined);
  });

  it('without SECRETS_KEY the value is still kept out of every record; the request says why it failed', async () => {
    const secrets = createSecretStore({ store, clock, key: undefined });
    const capture = createValueCapture({
      prompts,
      secrets,
      log,
      now: () => clock.now(),
      isServed: async (id) => served.has(id),
    });
    await prompts.open(USER, USER, 'todoist', CONNECT_TTL_MS);
    const replaced = await capture(message(1, VALUE));
    assert.ok(replaced && !JSON.stringify(replaced).includes(VALUE));
    const prompt = await prompts.captured(USER, USER, 1);
    assert.equal(prompt?.status, 'failed');
    assert.equal(prompt?.error, 'secrets_key_missing');
    assert.deepEqual(await rowsMentioning(store, VALUE), []);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const USER = 321;

test('a turn whose answer was delivered before a crash is not run again on restart', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `answer to: ${req.lastUserText}` }));
  const tg = await createFakeTelegram();
  const db = tempDbUrl('replay');
  try {
    const first = await startInbound({ allowedUserIds: [USER], chat: realChat(gemini), tg, db });
    tg.sendUserMessage({ chatId: USER, text: 'set a reminder please' });
    await tg.waitForBotMessage(USER, (m) => m.text === 'answer to: set a reminder please');
    await first.close();
    // The crash window: the answer is in the chat, but the journal row never reached 'done'.
    const store = await createStore({ url: db.url, migrations });
    await store.run(`UPDATE updates SET state = 'running', owner = NULL, lease_until = 0 WHERE kind = 'message'`);
    await store.close();
    const callsBefore = gemini.generateCalls().length;

    const restarted = await startInbound({ allowedUserIds: [USER], chat: realChat(gemini), tg, db });
    try {
      let state: unknown;
      for (let i = 0; i < 100 && state !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = (await restarted.store.get(`SELECT state FROM updates WHERE kind = 'message'`))?.state;
      }
      assert.equal(state, 'done', 'the replayed update is finished');
      assert.equal(gemini.generateCalls().length, callsBefore, 'the model was not called again');
      assert.equal(tg.botMessages(USER).length, 1, 'the chat still shows exactly one answer');
    } finally {
      await restarted.close();
    }
  } finally {
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

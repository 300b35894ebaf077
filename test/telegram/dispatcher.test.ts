import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Update } from 'grammy/types';
import { createLogger } from '../../src/core/logger.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type DispatchItem, createDispatcher } from '../../src/telegram/intake/dispatcher.ts';
import { type IncomingEntry, type Journal, createJournal } from '../../src/telegram/intake/journal.ts';
import { createTurnControl } from '../../src/telegram/intake/turn-control.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';

function entry(updateId: number, chat = 1): IncomingEntry {
  const update = {
    update_id: updateId,
    message: { message_id: updateId, date: 0, chat: { id: chat, type: 'private' }, text: `m${updateId}` },
  };
  return { updateId, chatKey: String(chat), kind: 'message', update: update as unknown as Update, state: 'pending' };
}

const item = (e: IncomingEntry): DispatchItem => ({ updateId: e.updateId, chatKey: e.chatKey, update: e.update });

/** A handler whose calls wait until released, so a turn can be held "running" while the clock moves. */
function gatedHandler() {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  return {
    started,
    release: (id: number) => gates.get(id)?.(),
    handle: (update: Update) =>
      new Promise<void>((resolve) => {
        started.push(update.update_id);
        gates.set(update.update_id, resolve);
      }),
  };
}

async function withJournal(name: string, fn: (journal: Journal, clock: ManualClock) => Promise<void>): Promise<void> {
  const db = tempDbUrl(name);
  const store: Store = await createStore({ url: db.url, migrations });
  const clock = createManualClock();
  const journal = createJournal({ store, clock, instanceId: 'I', hostKey: null });
  try {
    await journal.register();
    await fn(journal, clock);
  } finally {
    await store.close();
    await db.cleanup();
  }
}

const until = async (clock: ManualClock, cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await clock.flush();
  assert.ok(cond(), 'condition not reached');
};

test('dispatcher (manual clock): the "queued" notice comes after queuedNoticeMs of clock time, not before', async () => {
  await withJournal('dispatcher-notice', async (journal, clock) => {
    const h = gatedHandler();
    const queued: number[] = [];
    const d = createDispatcher({
      journal,
      control: createTurnControl(),
      log: createLogger({ level: 'silent' }),
      clock,
      handle: h.handle,
      queuedNoticeMs: 4000,
      onQueued: (i) => queued.push(i.updateId),
    });
    const [a, b] = await journal.accept([entry(1), entry(2)]);
    d.enqueue(item(a!));
    d.enqueue(item(b!));
    await until(clock, () => h.started.length === 1);
    await clock.advance(3999);
    assert.deepEqual(queued, [], 'no notice before 4 s of clock time');
    await clock.advance(1);
    assert.deepEqual(queued, [2], 'the waiting message gets the notice at 4 s');
    h.release(1);
    await until(clock, () => h.started.length === 2);
    h.release(2);
    await d.idle();
    assert.deepEqual(h.started, [1, 2], 'in order');
  });
});

test('dispatcher (manual clock): a message that starts before queuedNoticeMs gets no notice', async () => {
  await withJournal('dispatcher-no-notice', async (journal, clock) => {
    const h = gatedHandler();
    const queued: number[] = [];
    const d = createDispatcher({
      journal,
      control: createTurnControl(),
      log: createLogger({ level: 'silent' }),
      clock,
      handle: h.handle,
      queuedNoticeMs: 4000,
      onQueued: (i) => queued.push(i.updateId),
    });
    const [a, b] = await journal.accept([entry(1), entry(2)]);
    d.enqueue(item(a!));
    d.enqueue(item(b!));
    await until(clock, () => h.started.length === 1);
    await clock.advance(1000);
    h.release(1);
    await until(clock, () => h.started.length === 2);
    await clock.advance(10_000);
    assert.deepEqual(queued, [], 'the notice timer was cancelled when the message started');
    assert.equal(clock.pendingSleeps(), 0, 'no timer left behind');
    h.release(2);
    await d.idle();
  });
});

test('dispatcher (manual clock): stop() waits the grace period of clock time, then aborts the running turn', async () => {
  await withJournal('dispatcher-grace', async (journal, clock) => {
    const control = createTurnControl();
    const h = gatedHandler();
    let aborted = false;
    const d = createDispatcher({
      journal,
      control,
      log: createLogger({ level: 'silent' }),
      clock,
      handle: async (update) => {
        const signal = control.signalFor(update.update_id)!;
        signal.addEventListener('abort', () => {
          aborted = true;
          h.release(update.update_id);
        });
        await h.handle(update);
      },
    });
    const [a] = await journal.accept([entry(1)]);
    d.enqueue(item(a!));
    await until(clock, () => h.started.length === 1);
    const stopping = d.stop(10_000);
    await clock.advance(9_999);
    assert.equal(aborted, false, 'still within the grace period');
    await clock.advance(1);
    await until(clock, () => aborted);
    await stopping;
    assert.equal((await journal.get(1))?.state, 'pending', 'the interrupted update stays pending for the next start');
  });
});

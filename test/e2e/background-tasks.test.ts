/**
 * Issue 17 point 3 (background tasks) through the whole app (src/app.ts wired as main.ts wires it) against the fake
 * Bot API and the fake Gemini: "dig into this and get back to me" starts a task whose result arrives after two
 * unrelated messages that were answered first, as a reply to the request; /tasks lists tasks with Cancel buttons that
 * stop a running task and say so; a user's fifth-plus-one task is refused with the limit and what to do; a task
 * running at shutdown runs again at the next start, and one a crashed instance was running for the last allowed time
 * is failed with a message to the user, never silently lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const USER = 7801;
const OTHER = 7802;
const wait = { timeoutMs: 15_000 };
const TASKS = { leaseMs: 2_000, drainMs: 300 };

/** A task turn's model call waits for `release(title)`; each one is recorded while it waits. */
interface Held {
  title: string;
  req: RecordedRequest;
  release: (reply: Reply) => void;
}

let tg: FakeTelegram;
let gemini: FakeGemini;
let held: Held[] = [];
/** Every task_start response the router got back, by the text of the chat turn. */
const startResponses: Record<string, unknown>[] = [];

const TASK_PREFIX = /\(Background task "([^"]+)"/;

/** The scripted model: "dig into <title>" starts a task; a task's own turn waits to be released; else it echoes. */
function model(req: RecordedRequest): Reply | undefined | Promise<Reply> {
  if (req.kind === 'embed') return undefined;
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  const responses = lastFunctionResponses(req);
  if (role === 'assistant') {
    const answer = responses.find((r) => r.name === 'ask_user');
    if (answer) return { text: `Checked the ${JSON.stringify(answer.response)} region.` };
    return { functionCalls: [{ name: 'ask_user', args: { question: 'Which region?', options: ['EU', 'US'] } }] };
  }
  if (role !== 'router') return { text: `unexpected ${role ?? req.model}` };
  const started = responses.find((r) => r.name === 'task_start');
  if (started) {
    startResponses.push(started.response);
    const out = started.response as { started?: boolean; error?: string };
    return { text: out.started ? "Started: I'll reply here when it's done." : `I can't start it: ${out.error}` };
  }
  const task = TASK_PREFIX.exec(req.lastUserText);
  if (task?.[1] === 'grid tariffs' && responses.length === 0)
    return { functionCalls: [{ name: 'agent_assistant', args: { task: 'Compare grid tariffs; ask which region.' } }] };
  if (task) {
    const title = task[1]!;
    return new Promise<Reply>((resolve) => held.push({ title, req, release: resolve }));
  }
  const dig = /^dig into (.+)$/.exec(req.lastUserText);
  if (dig) {
    const title = dig[1]!;
    return {
      functionCalls: [
        { name: 'task_start', args: { title, task: `Research ${title} in depth and summarise the findings.` } },
      ],
    };
  }
  return { text: `Answer: ${req.lastUserText}` };
}

async function say(chatId: number, text: string, expected: RegExp): Promise<{ sent: number; reply: TranscriptEntry }> {
  const update = tg.sendUserMessage({ chatId, text });
  const reply = await tg.waitForBotMessage(chatId, (m) => expected.test(m.text), wait);
  return { sent: update.message!.message_id, reply };
}

/** Polls the database until `sql` returns rows equal to `expected` (the row is marked posted just after the post). */
async function rowsBecome(
  store: WholeApp['store'],
  sql: string,
  map: (r: Record<string, unknown>) => unknown,
  expected: unknown,
) {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    last = (await store.query(sql)).map(map);
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual(last, expected);
}

const heldTask = (title: string) =>
  gemini.waitFor(() => held.find((h) => h.title === title), { ...wait, label: `the task turn of "${title}"` });

function releaseAll(): void {
  for (const h of held) h.release({ text: `late result of ${h.title}` });
  held = [];
}

async function startApp(db?: TempDb, extra: { perUserRunning?: number } = {}): Promise<WholeApp> {
  return startWholeApp({
    tg,
    gemini,
    allowedUserIds: [USER, OTHER],
    tasks: { ...TASKS, ...extra },
    ...(db ? { db } : {}),
  });
}

describe('background tasks (whole app)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(model);
  });
  after(async () => {
    releaseAll();
    await tg?.close();
    await gemini?.close();
  });

  it("a task's result arrives after two unrelated messages answered first, as a reply to the request", async () => {
    const app = await startApp();
    try {
      const request = await say(USER, 'dig into solar panel prices', /Started/);
      const task = await heldTask('solar panel prices');
      assert.match(task.req.lastUserText, /Research solar panel prices in depth/, 'the task runs as its own turn');

      // The chat stays free: two unrelated messages are answered while the task's model call is still open.
      const first = await say(USER, 'what is 2+2?', /Answer: what is 2\+2\?/);
      const second = await say(USER, 'hello there', /Answer: hello there/);
      assert.equal(
        tg.botMessages(USER).filter((m) => /✅/.test(m.text)).length,
        0,
        'no result before the task finished',
      );

      task.release({ text: 'Panels cost about $1 per watt installed.' });
      held = held.filter((h) => h !== task);
      const result = await tg.waitForBotMessage(USER, (m) => /Panels cost about/.test(m.text), {
        ...wait,
        since: 'any',
      });
      assert.match(result.text, /✅ solar panel prices/);
      assert.equal(result.replyToMessageId, request.sent, 'the result replies to the request message');
      assert.ok(result.messageId > first.reply.messageId && result.messageId > second.reply.messageId);
      assert.ok(request.reply.messageId < first.reply.messageId, 'the chat turn answered at once');

      await rowsBecome(
        app.store,
        'SELECT status, attempts, delivered FROM tasks',
        (r) => [r.status, Number(r.attempts), Number(r.delivered)],
        [['done', 1, 1]],
      );
      assert.equal(tg.botMessages(USER).filter((m) => /Panels cost about/.test(m.text)).length, 1, 'posted once');
    } finally {
      releaseAll();
      await app.close();
    }
  });

  it('/tasks lists running tasks with Cancel; Cancel stops the task and says so; the button then says why', async () => {
    const app = await startApp();
    try {
      const request = await say(USER, 'dig into heat pumps', /Started/);
      await heldTask('heat pumps');
      const list = await say(USER, '/tasks', /Background tasks/);
      assert.match(list.reply.text, /🔄 heat pumps — running/);
      const cancel = buttonsOf(list.reply).find((b) => /Cancel: heat pumps/.test(b.text));
      assert.ok(cancel, `a Cancel button: ${JSON.stringify(buttonsOf(list.reply))}`);

      // Someone else pressing it (e.g. in a group) is told whose it is; nothing is cancelled.
      const stranger = tg.pressButton({
        chatId: USER,
        messageId: list.reply.messageId,
        data: cancel.data,
        userId: OTHER,
      });
      const strangerAnswer = await tg.waitFor(
        () => tg.callbackAnswers().find((a) => a.callbackQueryId === stranger.callback_query!.id),
        wait,
      );
      assert.match(strangerAnswer.text ?? '', /Only the person who started/);

      const press = tg.pressButton({ chatId: USER, messageId: list.reply.messageId, data: cancel.data });
      const answer = await tg.waitFor(
        () => tg.callbackAnswers().find((a) => a.callbackQueryId === press.callback_query!.id),
        wait,
      );
      assert.equal(answer.text, 'Cancelled.');
      const said = await tg.waitForBotMessage(USER, (m) => /Cancelled the background task “heat pumps”/.test(m.text), {
        ...wait,
        since: 'any',
      });
      assert.equal(said.replyToMessageId, request.sent);
      const redrawn = await tg.waitFor(() => {
        const m = tg.message(USER, list.reply.messageId);
        return m && /cancelled/.test(m.text ?? '') ? m : undefined;
      }, wait);
      assert.ok(redrawn);

      // The task's turn was stopped: releasing its model call now posts nothing.
      releaseAll();
      const again = tg.pressButton({ chatId: USER, messageId: list.reply.messageId, data: cancel.data });
      const stale = await tg.waitFor(
        () => tg.callbackAnswers().find((a) => a.callbackQueryId === again.callback_query!.id),
        wait,
      );
      assert.equal(stale.text, 'That task has already finished.');
      const status = await app.store.get('SELECT status FROM tasks WHERE title = ?', ['heat pumps']);
      assert.equal(status?.status, 'cancelled');
      assert.equal(tg.botMessages(USER).filter((m) => /late result of heat pumps/.test(m.text)).length, 0);
      const forged = tg.pressButton({ chatId: USER, messageId: list.reply.messageId, data: 'tk:c:nosuchtask' });
      const gone = await tg.waitFor(
        () => tg.callbackAnswers().find((a) => a.callbackQueryId === forged.callback_query!.id),
        wait,
      );
      assert.match(gone.text ?? '', /no longer exists/);
    } finally {
      releaseAll();
      await app.close();
    }
  });

  it('caps concurrency per user: 2 run, 3 wait, the next is refused with the limit and what to do', async () => {
    const app = await startApp();
    try {
      for (const n of [1, 2, 3, 4, 5]) await say(OTHER, `dig into topic ${n}`, /Started/);
      await heldTask('topic 1');
      await heldTask('topic 2');
      const list = await say(OTHER, '/tasks', /Background tasks/);
      assert.equal((list.reply.text.match(/🔄/g) ?? []).length, 2, list.reply.text);
      assert.equal((list.reply.text.match(/⏳/g) ?? []).length, 3, list.reply.text);
      assert.equal(held.filter((h) => /^topic/.test(h.title)).length, 2, 'only two run at once');

      const refused = await say(OTHER, 'dig into topic 6', /can't start it/);
      assert.match(refused.reply.text, /already has 5 background tasks/);
      assert.match(refused.reply.text, /cancel one in \/tasks/);
      assert.equal(
        Number((await app.store.get('SELECT COUNT(*) AS n FROM tasks WHERE user_id = ?', [OTHER]))?.n),
        5,
        'the refused task was not recorded',
      );

      // A finished task frees a slot: the next queued one starts.
      held.find((h) => h.title === 'topic 1')!.release({ text: 'topic 1 findings' });
      await heldTask('topic 3');
    } finally {
      releaseAll();
      await app.close();
    }
  });

  it('restart: a task running at shutdown runs again at the next start; a crashed last try is failed and said', async () => {
    const db = tempDbUrl('tasks-restart');
    try {
      const first = await startApp(db);
      let request: { sent: number; reply: TranscriptEntry };
      try {
        request = await say(USER, 'dig into battery storage', /Started/);
        await heldTask('battery storage');
      } finally {
        await first.close();
      }
      held = []; // the first instance's call was aborted with it
      // What a crash leaves: a row still claimed by an instance that is gone, on its last allowed try.
      const store = await createStore({ url: db.url, migrations });
      try {
        const stopped = await store.get('SELECT status, attempts, claimed_by FROM tasks');
        assert.deepEqual(
          [stopped?.status, Number(stopped?.attempts), stopped?.claimed_by],
          ['queued', 0, null],
          'a graceful stop puts the running task back in the queue',
        );
        await store.run(
          `INSERT INTO tasks (id, user_id, chat_id, chat_type, request_message_id, title, description, timezone, status,
             attempts, claimed_by, lease_until, created_at, started_at, updated_at)
           VALUES ('crashed1', ?, ?, 'private', ?, 'wind farms', 'Research wind farms.', 'UTC', 'running', 3, 'gone', 1,
             1, 1, 1)`,
          [USER, USER, request!.sent],
        );
      } finally {
        await store.close();
      }

      const second = await startApp(db);
      try {
        const resumed = await heldTask('battery storage');
        resumed.release({ text: 'Batteries store about 13 kWh.' });
        const result = await tg.waitForBotMessage(USER, (m) => /Batteries store about 13 kWh/.test(m.text), {
          ...wait,
          since: 'any',
        });
        assert.equal(result.replyToMessageId, request!.sent);
        const failed = await tg.waitForBotMessage(USER, (m) => /couldn't finish “wind farms”/.test(m.text), {
          ...wait,
          since: 'any',
        });
        assert.match(failed.text, /restarted while working on it \(3 tries\)/);
        assert.match(failed.text, /Ask me again/);
        await rowsBecome(
          second.store,
          'SELECT title, status, attempts, delivered FROM tasks ORDER BY title',
          (r) => [r.title, r.status, Number(r.attempts), Number(r.delivered)],
          [
            ['battery storage', 'done', 1, 1],
            ['wind farms', 'failed', 3, 1],
          ],
        );
      } finally {
        releaseAll();
        await second.close();
      }
    } finally {
      await db.cleanup();
    }
  });

  it('/export lists a running task; /wipe deletes it, and the stopped task posts nothing', async () => {
    const app = await startApp();
    try {
      await say(USER, 'dig into tidal energy', /Started/);
      const running = await heldTask('tidal energy');
      tg.sendUserMessage({ chatId: USER, text: '/export' });
      const doc = await tg.waitForBotMessage(USER, (m) => m.kind === 'document', wait);
      const data = JSON.parse(Buffer.from(tg.file(doc.document?.fileId ?? '')!.data).toString('utf8')) as {
        tasks: { title: string; task: string; status: string }[];
      };
      assert.deepEqual(
        data.tasks.map((t) => [t.title, t.status]),
        [['tidal energy', 'running']],
      );
      assert.match(data.tasks[0]!.task, /Research tidal energy/);

      const prompt = await say(USER, '/wipe', /Erase everything/);
      const yes = buttonsOf(prompt.reply).find((b) => b.text.includes('Yes'));
      assert.ok(yes, 'a Yes button');
      tg.pressButton({ chatId: USER, messageId: prompt.reply.messageId, data: yes.data });
      await tg.waitFor(
        () => /^Done\. I erased/.test(tg.message(USER, prompt.reply.messageId)?.text ?? '') || undefined,
        {
          ...wait,
          label: 'wipe done',
        },
      );
      assert.equal(Number((await app.store.get('SELECT COUNT(*) AS n FROM tasks'))?.n), 0, 'no task row is left');
      // The task notices at its next claim renewal (a third of the lease) and ends without posting.
      running.release({ text: 'tidal findings' });
      held = held.filter((h) => h !== running);
      await new Promise((r) => setTimeout(r, TASKS.leaseMs));
      assert.equal(tg.botMessages(USER).filter((m) => /tidal findings/.test(m.text)).length, 0);
    } finally {
      releaseAll();
      await app.close();
    }
  });

  it('a revoked user: their running task ends without posting, and a waiting one never runs', async () => {
    const app = await startApp(undefined, { perUserRunning: 1 });
    try {
      await say(OTHER, 'dig into wave power', /Started/);
      const running = await heldTask('wave power');
      await say(OTHER, 'dig into solar roads', /Started/);
      await app.app.users.setAccess(OTHER, 'revoked');
      const since = tg.botMessages(OTHER).length;
      running.release({ text: 'wave findings' });
      held = held.filter((h) => h !== running);
      await rowsBecome(
        app.store,
        'SELECT title, status, delivered FROM tasks ORDER BY created_at',
        (r) => [r.title, r.status, Number(r.delivered)],
        [
          ['wave power', 'done', 1],
          ['solar roads', 'failed', 1],
        ],
      );
      assert.equal(held.filter((h) => h.title === 'solar roads').length, 0, 'the waiting task made no model call');
      assert.deepEqual(
        tg
          .botMessages(OTHER)
          .slice(since)
          .map((m) => m.text),
        [],
        'nothing is posted to a user no longer served',
      );
    } finally {
      releaseAll();
      await app.close();
    }
  });

  it('a task that needs the user (a question or an approval) pauses like any turn; the answer comes after it', async () => {
    const app = await startApp();
    try {
      const request = await say(USER, 'dig into grid tariffs', /Started/);
      const prompt = await tg.waitForBotMessage(USER, (m) => /Which region\?/.test(m.text), { ...wait, since: 'any' });
      await rowsBecome(app.store, "SELECT status FROM tasks WHERE title = 'grid tariffs'", (r) => r.status, [
        'waiting',
      ]);
      const eu = buttonsOf(prompt).find((b) => b.text === 'EU');
      assert.ok(eu, `an EU option: ${JSON.stringify(buttonsOf(prompt))}`);
      tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: eu.data });
      const answer = await tg.waitForBotMessage(USER, (m) => /Checked the .*EU.* region/.test(m.text), {
        ...wait,
        since: 'any',
      });
      assert.ok(answer.messageId > request.reply.messageId);
      const list = await say(USER, '/tasks', /Background tasks/);
      assert.match(list.reply.text, /✋ grid tariffs — needed your approval/);
    } finally {
      releaseAll();
      await app.close();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

/**
 * Two bot processes (the real entry point) in webhook mode on ONE database file, as several instances behind a
 * load balancer would run: updates split between them are answered once, a due occurrence fires once, and an
 * approval prompted by one instance and clicked through the other is resumed once.
 */
const USERS = [7101, 7102, 7103, 7104, 7105, 7106, 7107, 7108];
const OWNER = USERS[0] as number;
const SECRET = 'two-instances_secret';
const REMINDERS = 12;

interface Instance {
  bot: ChildBot;
  url: string;
}

function plannerReply(req: RecordedRequest, deleteId: () => string): Reply {
  const last = req.contents.at(-1);
  const response = last?.parts?.find((p) => p.functionResponse !== undefined)?.functionResponse;
  if (response)
    return { text: `Planner finished ${response.name}: ${JSON.stringify(response.response).slice(0, 200)}` };
  if (req.lastUserText.includes('create')) {
    return {
      functionCalls: [
        {
          name: 'schedule_create',
          args: { kind: 'reminder', text: 'water the plants', when: { in: { minutes: 30 } } },
        },
      ],
    };
  }
  return { functionCalls: [{ name: 'schedule_delete', args: { id: deleteId() } }] };
}

test('two instances on one database (webhook): split updates answered once, occurrences fire once, an approval clicked on the other instance resumes once', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('two-instances');
  let deleteId = '';
  gemini.setHandler((req) => {
    if (req.systemText.includes('You extract durable facts')) return { text: '[]' };
    if (req.toolNames.includes('schedule_delete')) return plannerReply(req, () => deleteId);
    if (req.toolNames.includes('agent_planner')) {
      if (req.contents.at(-1)?.parts?.some((p) => p.functionResponse !== undefined)) return { text: 'Done.' };
      if (req.lastUserText.startsWith('plan:'))
        return { functionCalls: [{ name: 'agent_planner', args: { task: req.lastUserText } }] };
    }
    return { text: `Reply to: ${req.lastUserText}` };
  });

  // Occurrences due a few seconds from now, written before the instances start so both wake for them.
  const store = await createStore({ url: db.url, migrations });
  const dueFrom = Date.now() + 4000;
  await store.batch(
    Array.from({ length: REMINDERS }, (_, i) => {
      const at = dueFrom + i * 25;
      const chatId = USERS[i % USERS.length] as number; // spread: one private chat gets about 1 message/s
      return {
        sql: `INSERT INTO jobs (id, owner_user_id, chat_id, chat_type, kind, text, schedule, timezone, next_run_at, created_at, updated_at)
              VALUES (?, ?, ?, 'private', 'reminder', ?, ?, 'UTC', ?, ?, ?)`,
        args: [
          `due${i}`,
          chatId,
          chatId,
          `shared reminder ${i}`,
          JSON.stringify({ type: 'once', at }),
          at,
          Date.now(),
          Date.now(),
        ],
      };
    }),
  );

  const env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: USERS.join(','),
    PORT: '0',
    BOT_MODE: 'webhook',
    WEBHOOK_URL: 'https://bot.example.test/hook',
    WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'info',
  });
  const start = async (): Promise<Instance> => {
    const bot = await startBot({ env, waitForPollMs: 0 });
    const line = await bot.waitForLog((_l, j) => j?.msg === 'http server listening', 15000);
    await bot.waitForLog((_l, j) => j?.msg === 'webhook registered', 15000);
    return { bot, url: `http://127.0.0.1:${Number((JSON.parse(line) as { port: number }).port)}/hook` };
  };
  const instances: Instance[] = [];
  try {
    instances.push(...(await Promise.all([start(), start()])));
    const [a, b] = instances as [Instance, Instance];
    assert.equal(tg.callsOf('setWebhook').length, 2, 'each instance registers the (same) webhook URL');
    const post = async (to: Instance, update: unknown): Promise<number> => {
      const res = await fetch(to.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body: JSON.stringify(update),
      });
      await res.arrayBuffer();
      return res.status;
    };

    // 1. Updates split between the instances (alternating, eight chats at once, two messages each) are each answered
    //    once, including one that Telegram redelivers to the other instance.
    const texts: string[] = [];
    const posts: Promise<number>[] = [];
    let redelivered: unknown;
    for (let i = 0; i < 16; i++) {
      const chatId = USERS[i % USERS.length] as number;
      const text = `split message ${i} for the shared database`;
      texts.push(text);
      const update = tg.sendUserMessage({ chatId, text });
      if (i === 5) redelivered = update;
      posts.push(post(i % 2 === 0 ? a : b, update));
    }
    assert.deepEqual(await Promise.all(posts), Array(16).fill(200), 'both instances accept their share');
    assert.equal(await post(b, redelivered), 200, 'a redelivery to the other instance is accepted (and deduplicated)');
    const answers = (chatId: number, text: string): TranscriptEntry[] =>
      tg.botMessages(chatId).filter((m) => m.text === `Reply to: ${text}`);
    await tg.waitFor(() => texts.every((t, i) => answers(USERS[i % USERS.length] as number, t).length > 0), {
      timeoutMs: 20000,
      label: 'every split message answered',
    });

    // 2. The due occurrences fire while both instances run.
    const reminderTexts = (): string[] =>
      USERS.flatMap((chatId) => tg.botMessages(chatId).map((m) => m.text)).filter((t) => t.includes('shared reminder'));
    await tg.waitFor(() => reminderTexts().length >= REMINDERS, {
      timeoutMs: 20000,
      label: 'every shared reminder posted',
    });

    // 3. An approval: instance A runs the turn and prompts; the click goes to instance B (and a double tap to A).
    const create = tg.sendUserMessage({ chatId: OWNER, text: 'plan: create a reminder to water the plants' });
    assert.equal(await post(a, create), 200, 'instance A accepts the create turn');
    await tg.waitForBotMessage(OWNER, (m) => m.text.startsWith('⏰ Reminder set for'), { timeoutMs: 15000 });
    const job = await store.get("SELECT id FROM jobs WHERE text = 'water the plants'");
    assert.ok(job, 'the planner created the job through schedule_create');
    deleteId = String(job.id);

    const del = tg.sendUserMessage({ chatId: OWNER, text: 'plan: delete the plants reminder' });
    assert.equal(await post(a, del), 200, 'instance A accepts the delete turn');
    const isPrompt = (m: TranscriptEntry): boolean => JSON.stringify(m.replyMarkup ?? null).includes('"ap:');
    const prompt = await tg.waitForBotMessage(OWNER, isPrompt, { timeoutMs: 15000 });
    const keyboard = (prompt.replyMarkup as { inline_keyboard: { text: string; callback_data?: string }[][] })
      .inline_keyboard;
    // The user asked, so it reads as a confirmation: its yes-button ("Delete") carries the approve action.
    const approve = keyboard.flat().find((button) => button.callback_data?.endsWith(':y'))?.callback_data;
    assert.ok(approve, `the prompt has a yes button: ${JSON.stringify(keyboard)}`);
    assert.ok(
      await store.get('SELECT id FROM jobs WHERE id = ?', [deleteId]),
      'the job still exists while the approval is pending',
    );

    const press1 = tg.pressButton({ chatId: OWNER, messageId: prompt.messageId, data: approve, userId: OWNER });
    const press2 = tg.pressButton({ chatId: OWNER, messageId: prompt.messageId, data: approve, userId: OWNER });
    assert.deepEqual(await Promise.all([post(b, press1), post(a, press2)]), [200, 200], 'both clicks are accepted');
    const finished = (): TranscriptEntry[] =>
      tg.botMessages(OWNER).filter((m) => m.text.startsWith('🗑 Deleted') && m.text.endsWith('to bring it back.'));
    await tg.waitFor(() => finished().length > 0, { timeoutMs: 15000, label: 'the resumed turn answers' });

    // Give duplicates a chance to appear, then count.
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < texts.length; i++) {
      const chatId = USERS[i % USERS.length] as number;
      assert.equal(
        answers(chatId, texts[i] as string).length,
        1,
        `split message ${i} answered exactly once\n${tg.describe()}`,
      );
    }
    const posted = reminderTexts();
    assert.equal(posted.length, REMINDERS, `each occurrence posted once: ${JSON.stringify(posted)}`);
    assert.equal(new Set(posted).size, REMINDERS, 'no occurrence posted twice');
    const runs = await store.query(
      "SELECT claimed_by, COUNT(*) AS n FROM job_runs WHERE job_id LIKE 'due%' AND status = 'delivered' GROUP BY 1",
    );
    assert.equal(
      runs.reduce((s, r) => s + Number(r.n), 0),
      REMINDERS,
      `one delivered run per occurrence: ${JSON.stringify(runs)}`,
    );

    assert.equal(finished().length, 1, `the approval is resumed exactly once\n${tg.describe()}`);
    assert.ok(
      (await store.get('SELECT deleted_at FROM jobs WHERE id = ?', [deleteId]))?.deleted_at,
      'the approved delete ran',
    );
    const approvals = await store.query('SELECT status FROM approvals');
    assert.deepEqual(
      approvals.map((r) => r.status),
      ['approved'],
      'one approval, decided once',
    );
    // An update is marked done just after its answer is sent: the last one may still be finishing here.
    const doneCount = async () =>
      Number((await store.query("SELECT COUNT(*) AS n FROM updates WHERE state = 'done'"))[0]?.n);
    for (let i = 0; i < 100 && (await doneCount()) < texts.length + 4; i++) await new Promise((r) => setTimeout(r, 50));
    const journal = await store.query("SELECT COUNT(*) AS n FROM updates WHERE state = 'done'");
    assert.ok(
      Number(journal[0]?.n) >= texts.length + 4,
      `every update is journaled as done once: ${JSON.stringify(journal)}`,
    );
    const handledBy = instances.map((i) => i.bot.jsonLogs().filter((j) => j.msg === 'assistant started').length);
    assert.deepEqual(handledBy, [1, 1], 'both instances started');

    for (const instance of instances) {
      const exit = await instance.bot.kill('SIGTERM', 10000);
      assert.equal(exit.code, 0, instance.bot.logs().slice(-15).join('\n'));
      const errors = instance.bot.jsonLogs().filter((j) => Number(j.level) >= 50);
      assert.deepEqual(errors, [], 'no errors logged by either instance');
    }
  } finally {
    for (const instance of instances) if (!instance.bot.hasExited()) await instance.bot.kill('SIGKILL');
    await store.close();
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

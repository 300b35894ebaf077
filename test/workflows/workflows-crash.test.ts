/**
 * Issue 17, part 2: a workflow run resumes after a crash. The bot runs as a child process and is SIGKILLed while the
 * second of three agent steps waits for the model; after a restart on the same database the run finishes once:
 * the first step is not asked again (its output comes from the log), the cut-off one is (a model call has no side
 * effect), the post appears once, and the event log runs 1..N without a gap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@libsql/client';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { crashConfigDir } from './crash-config.ts';

const USER = 7711;

test('a workflow run killed mid-way resumes on restart and finishes exactly once, with no gap in its log', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('wf-crash');
  let hang = true;
  gemini.setHandler((req) => {
    const item = /step-(\w+)/.exec(req.lastUserText)?.[1];
    if (!item) return { text: 'other' };
    if (item === 'b' && hang) return { text: 'never delivered', hangMs: 60_000 };
    return { text: `out-${item}` };
  });
  const env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: String(USER),
    PORT: '0',
    LOG_LEVEL: 'info',
    CONFIG_DIR: crashConfigDir('wf-crash'),
  });
  let bot = await startBot({ env });
  try {
    tg.sendUserMessage({ chatId: USER, text: '/workflows run steps items=a,b,c' });
    await gemini.waitFor(() => gemini.requests.some((r) => r.lastUserText.includes('step-b')), { timeoutMs: 15_000 });
    await bot.kill('SIGKILL');
    hang = false;
    bot = await startBot({ env });
    const post = await tg.waitForBotMessage(USER, (m) => m.text.startsWith('finished:'), {
      timeoutMs: 20_000,
      since: 'any',
    });
    assert.match(post.text, /out-a[\s\S]*out-b[\s\S]*out-c/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(tg.botMessages(USER).filter((m) => m.text.startsWith('finished:')).length, 1, 'posted once');
    const asked = (item: string) => gemini.requests.filter((r) => r.lastUserText.includes(`step-${item}`)).length;
    assert.equal(asked('a'), 1, 'a completed step is never run again');
    assert.equal(asked('b'), 2, 'the cut-off model call runs again');
    assert.equal(asked('c'), 1);
    await bot.kill('SIGTERM', 8000);

    const client = createClient({ url: db.url });
    try {
      const runs = await client.execute('SELECT id, status FROM workflow_runs');
      assert.deepEqual(
        runs.rows.map((r) => r.status),
        ['done'],
      );
      const events = await client.execute('SELECT seq, type, step FROM workflow_events ORDER BY seq');
      assert.deepEqual(
        events.rows.map((r) => Number(r.seq)),
        events.rows.map((_r, i) => i + 1),
        'no gap',
      );
      const types = events.rows.map((r) => `${r.type}${r.step ? ` ${r.step}` : ''}`);
      assert.ok(types.includes('run_resumed'), types.join('\n'));
      assert.equal(types.filter((t) => t === 'step_completed each[0].say').length, 1, types.join('\n'));
      assert.equal(types.filter((t) => t === 'step_started each[1].say').length, 2, types.join('\n'));
      assert.equal(types.filter((t) => t === 'step_completed done').length, 1, types.join('\n'));
      assert.equal(types.filter((t) => t === 'run_done').length, 1);
    } finally {
      client.close();
    }
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

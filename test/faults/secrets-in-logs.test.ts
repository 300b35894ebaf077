/**
 * Issue 11, point 1: no secret ever reaches a log. The real entry point (src/main.ts as a child process, LOG_LEVEL=debug)
 * runs on a remote database (fake sqld with an auth token) while every Telegram and Gemini call fails at least once in
 * each way: connection refused (a shut TCP gate), connection reset, timeout, 5xx and 401. The database refuses the
 * token once and is unreachable once. Then ALL output (stdout and stderr of every run) is searched for the bot token,
 * the Gemini key and the database token, raw and URL-encoded.
 *
 * One child run per kind of fault; in each, the first call of every method meets the fault (the fakes' own injection:
 * dropped connections, error statuses, stalls). Not reachable: a timeout on getMe, setMyCommands, deleteWebhook,
 * answerCallbackQuery, getFile, a download or the long poll, which carry no deadline of ours (grammY's client timeout
 * is 500 s). The outbox's calls (30 s deadline) and every Gemini call (llmTimeoutMs, 1 s here) do time out. The
 * refused run shuts the gates at chosen moments, so only the calls made then are refused (checked in the log).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { type ChildBot, type ExitInfo, botEnv, repoRoot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type InjectedFault, type RequestKind } from '../support/fake-gemini.ts';
import { closedPort, createFakeSqld, readFile } from '../support/fake-sqld.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { startTcpGate } from '../support/tcp-gate.ts';

const USER = 7701;
const USER2 = 7704;
const GROUPS = [-1007702, -1007705];
const GROUP_USER = 7703;

// Fresh random secrets, so a hit can only come from this run.
const TG_TOKEN = `${randomInt(100_000_000, 999_999_999)}:AAH${randomBytes(16).toString('hex')}`;
const GEMINI_KEY = `AIzaSy${randomBytes(16).toString('hex')}`;
const DB_TOKEN = `eyJhbGciOiJFZERTQSJ9.${randomBytes(18).toString('base64url')}.sig`;
const SECRETS = { TELEGRAM_BOT_TOKEN: TG_TOKEN, GEMINI_API_KEY: GEMINI_KEY, DATABASE_AUTH_TOKEN: DB_TOKEN };

/** Every Telegram method the runs make the bot call (file downloads are counted apart). */
const TG_METHODS = [
  'getMe',
  'setMyCommands',
  'deleteWebhook',
  'getUpdates',
  'sendChatAction',
  'sendMessageDraft',
  'sendMessage',
  'editMessageText',
  'answerCallbackQuery',
  'getFile',
] as const;
type TgMethod = (typeof TG_METHODS)[number];
/** The outbox's calls: the ones with a deadline of ours (30 s). */
const TIMED_METHODS: TgMethod[] = ['sendChatAction', 'sendMessageDraft', 'sendMessage', 'editMessageText'];
const GEMINI_KINDS: RequestKind[] = ['stream', 'generate', 'embed'];

test('no secret reaches the output when every Telegram, Gemini and database call fails in every way', {
  timeout: 400_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-secrets-'));
  const dbPath = join(dir, 'server.db');
  // Gemini timeouts at 1 s (the schema's floor), so a stalled model call times out quickly.
  const configDir = join(dir, 'config');
  cpSync(resolve(repoRoot, 'config'), configDir, { recursive: true });
  const agents = JSON.parse(readFileSync(join(configDir, 'agents.json'), 'utf8')) as {
    limits: Record<string, unknown>;
  };
  agents.limits.llmTimeoutMs = 1000;
  writeFileSync(join(configDir, 'agents.json'), JSON.stringify(agents));

  const sqld = await createFakeSqld({ dbPath, authToken: DB_TOKEN });
  const tg = await createFakeTelegram({ token: TG_TOKEN });
  const gemini = await createFakeGemini({ apiKey: GEMINI_KEY });
  const tgGate = await startTcpGate(tg.apiRoot);
  const geminiGate = await startTcpGate(gemini.baseUrl);
  /** Called while a model reply is produced; the refused run shuts Telegram at that moment. */
  let onReply: (() => Promise<void>) | undefined;
  gemini.setHandler(async (req) => {
    if (req.kind === 'embed') return undefined;
    // Background work (fact extraction, compaction) uses non-streaming calls: no facts, nothing to say.
    if (req.kind === 'generate') return { text: '[]' };
    const hook = onReply;
    onReply = undefined;
    await hook?.();
    // Slow enough in groups for a preview message that is then edited.
    const group = req.lastUserText.includes('group');
    return {
      chunks: ['Let me see. ', 'Thinking it over. ', `answer: ${req.lastUserText.slice(-40)}`],
      delayMs: group ? 450 : 120,
    };
  });
  const env = botEnv(tg, gemini, `libsql://127.0.0.1:${sqld.port}?tls=0`, {
    TELEGRAM_API_ROOT: tgGate.url,
    GEMINI_BASE_URL: geminiGate.url,
    DATABASE_AUTH_TOKEN: DB_TOKEN,
    ALLOWED_USER_IDS: `${USER},${USER2},${GROUP_USER}`,
    CONFIG_DIR: configDir,
    PORT: '0',
    LOG_LEVEL: 'debug',
  });

  interface Run {
    name: string;
    bot: ChildBot;
    startedAt: number;
    endedAt?: number;
    exit?: ExitInfo;
  }
  const runs: Run[] = [];
  const start = async (
    name: string,
    options: { env?: Record<string, string>; waitForPoll?: boolean } = {},
  ): Promise<Run> => {
    const startedAt = Date.now();
    const bot = await startBot({
      env: { ...env, ...options.env },
      telegram: tg,
      waitForPollMs: options.waitForPoll === false ? 0 : 30_000,
    });
    const run: Run = { name, bot, startedAt };
    runs.push(run);
    return run;
  };
  const ended = async (run: Run, kill = true): Promise<void> => {
    run.exit = kill ? await run.bot.kill('SIGTERM', 15_000) : await run.bot.exited;
    run.endedAt = Date.now();
  };
  let updates = 0;
  const settled = (more: number) => {
    updates += more;
    const count = updates;
    return tg.waitFor(
      () => {
        const rows = readFile<{ state: string }>(dbPath, 'SELECT state FROM updates');
        return rows.length >= count && rows.every((r) => r.state !== 'pending' && r.state !== 'running');
      },
      { timeoutMs: 90_000, label: `${count} updates handled` },
    );
  };
  const ask = (chatId: number, text: string) =>
    chatId > 0
      ? tg.sendUserMessage({ chatId, text })
      : tg.sendUserMessage({
          chatId,
          userId: GROUP_USER,
          chatType: 'supergroup',
          text: `@${tg.botUser.username} ${text} group`,
        });

  let n = 0;
  /**
   * First, questions in two private chats (chat actions, drafts, sends, embeddings) and two groups (preview edits)
   * at once: wherever a fault makes one turn fail, the others still make every call, and stalls overlap. Then two
   * more questions (a fact extraction: non-streaming calls), two documents (getFile, then a download) and a button
   * press (answerCallbackQuery).
   */
  const exercise = async (label: string, beforeGroups?: (since: number) => Promise<void>): Promise<void> => {
    n++;
    const since = Date.now();
    for (const chat of [USER, USER2]) ask(chat, `question ${label} ${n}`);
    await beforeGroups?.(since);
    for (const chat of GROUPS) ask(chat, `question ${label} ${n}`);
    await settled(4);
    ask(USER, `another question ${label} ${n}`);
    ask(USER, `a third question ${label} ${n}`);
    // A run that fails the first reply leaves that turn uncommitted: a fourth message keeps three for the batched
    // fact extraction (the background, non-streaming call this run must also see fail).
    ask(USER, `a fourth question ${label} ${n}`);
    // When getFile fails for the first document, the second still reaches the download.
    for (const i of [1, 2]) {
      const fileId = tg.addFile(`notes ${i} for ${label}`, { fileName: `notes${i}.txt`, mimeType: 'text/plain' });
      tg.sendUserMessage({
        chatId: USER,
        caption: `question about file ${i} ${label}`,
        document: { fileId, fileName: `notes${i}.txt`, mimeType: 'text/plain' },
      });
    }
    await settled(5);
    const last = tg.botMessages(USER).at(-1);
    assert.ok(last, 'the bot wrote to the user');
    tg.pressButton({ chatId: USER, messageId: last.messageId, data: `nobody:handles:${label}` });
    await settled(1);
    await gemini.waitFor(() => gemini.requests.some((r) => r.kind === 'generate' && r.at >= since), {
      timeoutMs: 20_000,
      label: 'a background (non-streaming) model call',
    });
  };

  /** A run starts with no fault left over from the one before. */
  const clearFaults = () => {
    tg.clearFaults();
    gemini.clearFaults();
  };
  const tgFaults = (fault: (method: TgMethod) => void, methods: readonly TgMethod[] = TG_METHODS) => {
    for (const m of methods) fault(m);
  };
  const geminiFaults = (fault: InjectedFault) => {
    for (const k of GEMINI_KINDS) gemini.faultNext(k, fault);
  };

  try {
    // ---- connection reset
    clearFaults();
    tgFaults((m) => tg.failNextConnection(m));
    tg.failNextDownload('reset');
    geminiFaults({ type: 'reset' });
    let run = await start('reset');
    await exercise('reset');
    await ended(run);

    // ---- 5xx
    clearFaults();
    tgFaults((m) => tg.failNext(m, { error_code: 502, description: 'Bad Gateway' }));
    tg.failNextDownload({ status: 502 });
    geminiFaults({ type: 'status', status: 503 });
    run = await start('5xx');
    await exercise('5xx');
    await ended(run);

    // ---- timeout: the outbox's calls outlive its 30 s deadline, Gemini calls their 1 s one. The groups' edits stall
    // only once a private send is stalling (not the groups' first send), so all stalls overlap.
    clearFaults();
    tgFaults((m) => tg.delayNext(m, 31_000), ['sendChatAction', 'sendMessageDraft', 'sendMessage']);
    geminiFaults({ type: 'hang', ms: 2500 });
    run = await start('timeout');
    await exercise('timeout', async (since) => {
      await tg.waitFor(
        () => tg.calls.some((c) => c.method === 'sendMessage' && c.at >= since && Number(c.payload.chat_id) > 0),
        {
          timeoutMs: 20_000,
          label: 'a private send (stalling)',
        },
      );
      tg.delayNext('editMessageText', 31_000);
    });
    await ended(run);

    // ---- 401. On getMe and getUpdates it means a bad token and stops the bot: getUpdates last, getMe in a run of its own.
    clearFaults();
    tgFaults(
      (m) => tg.failNext(m, { error_code: 401, description: 'Unauthorized' }),
      TG_METHODS.filter((m) => m !== 'getMe' && m !== 'getUpdates'),
    );
    tg.failNextDownload({ status: 401 });
    geminiFaults({ type: 'status', status: 401, message: 'API key not valid. Please pass a valid API key.' });
    run = await start('401');
    await exercise('401');
    tg.failNext('getUpdates', { error_code: 401, description: 'Unauthorized' });
    ask(USER, 'question after the token was revoked'); // ends the current long poll
    updates += 1;
    await ended(run, false);
    assert.notEqual(run.exit?.code, 0, 'a 401 on getUpdates stops the bot');
    clearFaults();
    tg.failNext('getMe', { error_code: 401, description: 'Unauthorized' });
    run = await start('401 getMe', { waitForPoll: false });
    await ended(run, false);

    // ---- connection refused: nothing listens on Telegram's or Gemini's port.
    clearFaults();
    await tgGate.shut();
    await geminiGate.shut();
    run = await start('refused', { waitForPoll: false });
    const refusedRun = run;
    await run.bot.waitForLog(/getMe failed; retrying/, 15_000);
    await tgGate.open();
    await tg.waitFor(() => tg.calls.some((c) => c.method === 'getUpdates' && c.at >= refusedRun.startedAt), {
      timeoutMs: 20_000,
      label: 'polling',
    });
    await tgGate.shut(); // the long poll is reset, the next ones are refused
    await run.bot.waitForLog((line) => /getUpdates failed/.test(line) && /ECONNREFUSED/.test(line), 15_000);
    await tgGate.open();
    // Gemini refused: the turn fails after its retries.
    ask(USER, 'question while gemini is down');
    await settled(1);
    await geminiGate.open();
    // Telegram refused while answers stream: chat actions, drafts, previews and sends are refused, then retried.
    for (const chat of [USER, GROUPS[0]!]) {
      onReply = async () => {
        await tgGate.shut();
        setTimeout(() => void tgGate.open(), 2500);
      };
      ask(chat, 'question while telegram is down');
      await settled(1);
    }
    await ended(run);

    // ---- the database refuses the token once (at start), then is unreachable.
    clearFaults();
    sqld.rejectNext(1);
    run = await start('sqld 401', { waitForPoll: false });
    await ended(run, false);
    run = await start('sqld refused', {
      env: { DATABASE_URL: `libsql://127.0.0.1:${await closedPort()}?tls=0` },
      waitForPoll: false,
    });
    await ended(run, false);

    // ---- the verdict: all output of every run.
    const lines = runs.flatMap((r) => r.bot.logEntries().map((e) => ({ run: r.name, ...e })));
    const forms = (value: string): string[] => [
      ...new Set([value, encodeURIComponent(value), encodeURIComponent(value).toLowerCase()]),
    ];
    const hits: string[] = [];
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const form of forms(value)) {
        for (const l of lines)
          if (l.line.includes(form)) hits.push(`${name} in [${l.run} ${l.stream}] ${l.line.slice(0, 400)}`);
      }
    }
    t.diagnostic(
      `runs: ${runs.map((r) => `${r.name} (exit ${r.exit?.code ?? r.exit?.signal}, ${r.bot.logs().length} lines, ${Math.round(((r.endedAt ?? 0) - r.startedAt) / 1000)} s)`).join(', ')}`,
    );
    t.diagnostic(`output lines searched: ${lines.length}`);
    if (process.env.SECRETS_TEST_DUMP)
      writeFileSync(process.env.SECRETS_TEST_DUMP, lines.map((l) => `[${l.run} ${l.stream}] ${l.line}`).join('\n'));

    // Not vacuous, 1: each run made every call fail the way it meant to (as the fakes saw it; 0 = no answer sent).
    const byName = (name: string) => runs.find((r) => r.name === name)!;
    const tgFailed = (name: string, method: string, status: number) => {
      const r = byName(name);
      return tg.calls.some(
        (c) => c.method === method && c.at >= r.startedAt && c.at <= (r.endedAt ?? Date.now()) && c.status === status,
      );
    };
    const geminiFaulted = (name: string, kind: RequestKind, fault: string) => {
      const r = byName(name);
      return gemini.requests.some(
        (q) => q.kind === kind && q.fault === fault && q.at >= r.startedAt && q.at <= (r.endedAt ?? Date.now()),
      );
    };
    const plan: [run: string, methods: readonly string[], status: number, geminiFault: string | undefined][] = [
      ['reset', TG_METHODS, 0, 'reset'],
      ['5xx', TG_METHODS, 502, 'status 503'],
      ['timeout', TIMED_METHODS, 0, 'hang'],
      ['401', TG_METHODS.filter((m) => m !== 'getMe'), 401, 'status 401'],
      ['401 getMe', ['getMe'], 401, undefined],
    ];
    const notFailed: string[] = [];
    for (const [name, methods, status, fault] of plan) {
      for (const m of methods) if (!tgFailed(name, m, status)) notFailed.push(`${name}: Telegram ${m} (${status})`);
      if (fault)
        for (const k of GEMINI_KINDS)
          if (!geminiFaulted(name, k, fault)) notFailed.push(`${name}: Gemini ${k} (${fault})`);
    }
    t.diagnostic(`download faults served: ${tg.downloadFaults().join(', ')}`);
    assert.deepEqual(notFailed, [], 'every call failed in every way its run meant');
    assert.deepEqual(
      tg.downloadFaults(),
      ['reset', 'status 502', 'status 401'],
      'a file download failed in each run that faults it',
    );

    assert.deepEqual(hits, [], 'no secret in the output');

    // Not vacuous, 2: the failures are in the output, with their causes.
    /** Some line of `run` matches every pattern. */
    const logged = (name: string, ...patterns: RegExp[]) =>
      lines.some((l) => l.run === name && patterns.every((p) => p.test(l.line)));
    const expectations: [string, ...RegExp[]][] = [
      ['reset', /getMe failed; retrying/, /socket hang up|ECONNRESET/, /bot\[REDACTED\]\/getMe/],
      ['reset', /getUpdates failed; retrying/, /socket hang up|ECONNRESET/, /bot\[REDACTED\]\/getUpdates/],
      [
        'reset',
        /update failed|could not answer a stale button press/,
        /answerCallbackQuery/,
        /bot\[REDACTED\]\/answerCallbackQuery/,
      ],
      ['reset', /gemini call failed, retrying/, /"kind":"stream"/],
      ['reset', /gemini call failed, retrying/, /"kind":"embed"/],
      ['5xx', /getMe failed; retrying/, /502/],
      ['5xx', /setMyCommands failed/, /502/],
      ['5xx', /deleteWebhook failed/, /502/],
      ['5xx', /gemini call failed, retrying/, /"status":503/],
      ['timeout', /Gemini did not respond within 1 s/],
      ['timeout', /Chat action failed|Draft update failed|Telegram call failed transiently/],
      ['401', /setMyCommands failed/, /401/],
      ['401', /update failed/, /401/],
      ['401', /Telegram rejected the bot token/],
      ['401 getMe', /Telegram rejected the bot token/],
      ['refused', /getMe failed; retrying/, /ECONNREFUSED/, /bot\[REDACTED\]\/getMe/],
      ['refused', /getUpdates failed; retrying/, /ECONNREFUSED/],
      ['refused', /gemini call failed, retrying/, /"kind":"stream"/],
      ['refused', /gemini call failed, retrying/, /"kind":"embed"/],
      ['refused', /Telegram call failed transiently/, /sendMessage/],
      ['sqld 401', /cannot open the database/, /401/],
      ['sqld 401', /^Cannot use database/, /401/],
      ['sqld refused', /cannot open the database/, /ECONNREFUSED/],
    ];
    const missing = expectations
      .filter(([name, ...p]) => !logged(name, ...p))
      .map(([name, ...p]) => `${name}: ${p.join(' ')}`);
    assert.deepEqual(missing, [], 'every fault left its trace in the output');
  } finally {
    for (const r of runs) if (!r.bot.hasExited()) await r.bot.kill('SIGKILL');
    await tgGate.close();
    await geminiGate.close();
    await tg.close();
    await gemini.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

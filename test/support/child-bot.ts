/**
 * Runs the real bot (`node --import tsx src/main.ts`, or the compiled entry with `nodeArgs`) as a child process for
 * end-to-end tests.
 * The child gets a minimal environment (PATH, HOME) plus exactly the variables given, never the
 * parent's TELEGRAM_/GEMINI_ settings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FakeGemini } from './fake-gemini.ts';
import { type FakeTelegram, findFakeTelegram } from './fake-telegram.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  line: string;
  /** The parsed line when it is a JSON object (pino logs). */
  json?: Record<string, unknown>;
  at: number;
}

export type LogPredicate = string | RegExp | ((line: string, json: Record<string, unknown> | undefined) => boolean);

export interface StartBotOptions {
  env: Record<string, string>;
  /** Working directory of the child; default the repo root. */
  cwd?: string;
  /**
   * Wait until the bot polls Telegram (a getUpdates call on the fake found by TELEGRAM_API_ROOT, or a
   * log line mentioning polling when no fake is found). Default 15000 when a fake is found, else 0.
   * Resolves early, without error, if the child exits first (check `exited`). 0 disables.
   */
  waitForPollMs?: number;
  /** Entry file relative to the repo root; default `src/main.ts`. */
  entry?: string;
  /**
   * Run `node <nodeArgs...>` exactly as given (no tsx loader added; `entry` and `args` are ignored), e.g. the words
   * of `npm start` after `node`, to start the compiled `dist/main.js` the way production does.
   */
  nodeArgs?: string[];
  args?: string[];
  /** The fake to watch for the first getUpdates; default looked up from env.TELEGRAM_API_ROOT. */
  telegram?: FakeTelegram;
}

export interface ChildBot {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** All output lines (stdout and stderr interleaved in arrival order). */
  logs(): string[];
  logEntries(): LogEntry[];
  /** Output lines that are JSON objects, parsed. */
  jsonLogs(): Record<string, unknown>[];
  /** Resolves with the first line (already logged or future) matching; rejects on timeout or exit. */
  waitForLog(predicate: LogPredicate, timeoutMs?: number): Promise<string>;
  /** Sends `signal`, escalates to SIGKILL after `graceMs` (default 5000), resolves on exit. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

function matcher(predicate: LogPredicate): (entry: LogEntry) => boolean {
  if (typeof predicate === 'string') return (e) => e.line.includes(predicate);
  if (predicate instanceof RegExp) return (e) => predicate.test(e.line);
  return (e) => predicate(e.line, e.json);
}

function tail(entries: LogEntry[], n = 40): string {
  return entries
    .slice(-n)
    .map((e) => `  [${e.stream}] ${e.line}`)
    .join('\n');
}

export async function startBot(options: StartBotOptions): Promise<ChildBot> {
  installExitHook();
  const env: Record<string, string> = {};
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  Object.assign(env, options.env);

  const argv = options.nodeArgs ?? [
    '--import',
    import.meta.resolve('tsx'),
    resolve(repoRoot, options.entry ?? 'src/main.ts'),
    ...(options.args ?? []),
  ];
  const startedAt = Date.now();
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);

  const entries: LogEntry[] = [];
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (!source) continue;
    const rl = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on('line', (line) => {
      const entry: LogEntry = { stream, line, at: Date.now() };
      if (line.startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(line);
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
            entry.json = parsed as Record<string, unknown>;
          }
        } catch {
          // not JSON
        }
      }
      entries.push(entry);
      notify();
    });
  }

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveChildren.delete(child);
      // Let readline deliver the last lines first.
      setImmediate(() => {
        resolveExit({ code, signal });
        notify();
      });
    });
    child.once('error', (error) => {
      entries.push({ stream: 'stderr', line: `spawn error: ${error.message}`, at: Date.now() });
      exitInfo = { code: null, signal: null };
      liveChildren.delete(child);
      resolveExit(exitInfo);
      notify();
    });
  });

  function waitForLog(predicate: LogPredicate, timeoutMs = 10_000): Promise<string> {
    const test = matcher(predicate);
    return new Promise<string>((resolveLog, reject) => {
      let checked = 0;
      const check = (): void => {
        for (; checked < entries.length; checked++) {
          const entry = entries[checked];
          if (entry && test(entry)) {
            done();
            resolveLog(entry.line);
            return;
          }
        }
        if (exitInfo) {
          done();
          reject(new Error(`bot exited (${JSON.stringify(exitInfo)}) before the expected log line:\n${tail(entries)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms:\n${tail(entries)}`));
      }, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        listeners.delete(check);
      }
      listeners.add(check);
      check();
    });
  }

  const bot: ChildBot = {
    pid: child.pid,
    child,
    logs: () => entries.map((e) => e.line),
    logEntries: () => [...entries],
    jsonLogs: () => entries.flatMap((e) => (e.json ? [e.json] : [])),
    waitForLog,
    async kill(signal = 'SIGTERM', graceMs = 5000) {
      if (exitInfo) return exited;
      child.kill(signal);
      const timer = setTimeout(() => {
        if (!exitInfo) child.kill('SIGKILL');
      }, graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
    exited,
    hasExited: () => exitInfo !== undefined,
  };

  const apiRoot = options.env.TELEGRAM_API_ROOT;
  const telegram = options.telegram ?? (apiRoot ? findFakeTelegram(apiRoot) : undefined);
  const waitMs = options.waitForPollMs ?? (telegram ? 15_000 : 0);
  if (waitMs > 0) {
    const polled = telegram
      ? telegram.waitFor(
          () => telegram.calls.some((c) => c.method === 'getUpdates' && c.at >= startedAt) || exitInfo !== undefined,
          {
            timeoutMs: waitMs,
            label: 'bot starts polling',
          },
        )
      : waitForLog(/getUpdates|polling|started/i, waitMs).then(() => true);
    polled.catch(() => undefined); // a late rejection after `exited` won the race is not an error
    try {
      await Promise.race([polled, exited]);
    } catch (error) {
      if (!exitInfo) await bot.kill('SIGKILL');
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`bot did not start polling within ${waitMs} ms: ${message}\nBot output:\n${tail(entries)}`);
    }
  }
  return bot;
}

/** The environment for a child bot wired to the fakes. `extra` overrides everything. */
export function botEnv(
  tg: FakeTelegram,
  gemini: FakeGemini,
  dbUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    GEMINI_API_KEY: gemini.apiKey,
    GEMINI_BASE_URL: gemini.baseUrl,
    DATABASE_URL: dbUrl,
    LOG_LEVEL: 'debug',
    ALLOWED_USER_IDS: '',
    CONFIG_DIR: resolve(repoRoot, 'config'),
    DEFAULT_TIMEZONE: 'UTC',
    ...extra,
  };
}

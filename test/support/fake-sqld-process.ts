/**
 * The fake sqld (fake-sqld.ts) in a process of its own, as a remote database is: the load of the instances under test
 * and the server's work don't share one event loop. Run directly, it serves `argv[2]` and prints `{"port": n}`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createFakeSqld } from './fake-sqld.ts';

/** A fake sqld running in a child process. */
export interface FakeSqldProcess {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the fake sqld in a child process on `dbPath`; resolves once it listens. */
export async function startFakeSqldProcess(dbPath: string): Promise<FakeSqldProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), dbPath],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`fake sqld process exited (${code}) before listening`)));
    child.once('error', reject);
  });
  return {
    port,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dbPath = process.argv[2];
  if (!dbPath) throw new Error('usage: fake-sqld-process.ts <dbPath>');
  const sqld = await createFakeSqld({ dbPath });
  process.once('SIGTERM', () => {
    void sqld.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ port: sqld.port })}\n`);
}

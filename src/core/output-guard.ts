import { inspect } from 'node:util';
import type { Scrubber } from './scrub.ts';

type Write = NodeJS.WriteStream['write'];

/**
 * Scrubs what reaches stdout and stderr outside the logger (our `process.stderr.write` calls, `console.*`, a
 * library's own printing), and prints an uncaught exception scrubbed before exiting with code 1, instead of Node's
 * default dump, which writes to the file descriptor directly. pino writes to the descriptor too: its lines are
 * scrubbed by the logger's own hook. Installed once by main.ts, before anything can print; returns an uninstaller.
 */
export function guardProcessOutput(scrub: Scrubber): () => void {
  const restores: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      let out = chunk;
      if (typeof chunk === 'string') out = scrub(chunk);
      else if (chunk instanceof Uint8Array) {
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
        const clean = scrub(text);
        if (clean !== text) out = Buffer.from(clean, 'utf8');
      }
      return (original as (...args: unknown[]) => boolean).call(this, out, ...rest);
    };
    stream.write = write as Write;
    restores.push(() => {
      stream.write = original;
    });
  }
  const onUncaught = (error: unknown): void => {
    // Like Node's own report (stack, cause chain, properties), scrubbed.
    process.stderr.write(`Uncaught exception: ${scrub(inspect(error, { depth: 4 }))}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onUncaught);
  restores.push(() => process.off('uncaughtException', onUncaught));
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

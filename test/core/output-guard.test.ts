import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const guardModule = fileURLToPath(new URL('../../src/core/output-guard.ts', import.meta.url));
const scrubModule = fileURLToPath(new URL('../../src/core/scrub.ts', import.meta.url));
const SECRET = '8123456789:AAH-guard-test-secret-0123456789';

/** Runs `body` in a fresh Node process with the guard installed for SECRET; returns its output and exit code. */
function runGuarded(body: string) {
  const script = `
    import { guardProcessOutput } from ${JSON.stringify(guardModule)};
    import { createScrubber, secretsFromEnv } from ${JSON.stringify(scrubModule)};
    guardProcessOutput(createScrubber(secretsFromEnv(process.env)));
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', TELEGRAM_BOT_TOKEN: SECRET },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

describe('output guard', () => {
  it('scrubs console output and direct writes (strings and buffers) on stdout and stderr', () => {
    const r = runGuarded(`
      console.log('token', process.env.TELEGRAM_BOT_TOKEN);
      console.error(new Error('request to http://x/bot' + process.env.TELEGRAM_BOT_TOKEN + '/getMe failed'));
      process.stdout.write(Buffer.from('buffer ' + encodeURIComponent(process.env.TELEGRAM_BOT_TOKEN) + '\\n'));
      process.stderr.write('Fatal: ' + process.env.TELEGRAM_BOT_TOKEN.split(':')[1] + '\\n');
    `);
    assert.equal(r.code, 0, r.stderr);
    for (const out of [r.stdout, r.stderr]) {
      assert.ok(
        !out.includes(SECRET) && !out.includes(SECRET.split(':')[1] ?? '') && !out.includes(encodeURIComponent(SECRET)),
        out,
      );
    }
    assert.match(r.stdout, /token \[REDACTED\]\nbuffer \[REDACTED\]\n/);
    assert.match(r.stderr, /bot\[REDACTED\]\/getMe failed/);
    assert.match(r.stderr, /Fatal: \[REDACTED\]/);
  });

  it('prints an uncaught exception (message, stack, cause, properties) scrubbed, and exits with code 1', () => {
    const r = runGuarded(`
      const inner = Object.assign(new Error('request to http://x/bot' + process.env.TELEGRAM_BOT_TOKEN + '/getMe failed'), { url: 'http://x/bot' + process.env.TELEGRAM_BOT_TOKEN });
      setTimeout(() => { throw new Error('boom', { cause: inner }); }, 1);
    `);
    assert.equal(r.code, 1);
    assert.ok(!r.stderr.includes(SECRET), r.stderr);
    assert.match(r.stderr, /Uncaught exception: Error: boom/);
    assert.match(r.stderr, /bot\[REDACTED\]\/getMe failed/);
  });
});

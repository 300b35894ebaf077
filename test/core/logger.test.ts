import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('redacts tokens and keys wherever they appear as fields, and keeps structured fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    const child = log.child({ update_id: 7, chat_id: 42 });
    child.info(
      {
        token: '123:SECRET-A',
        apiKey: 'SECRET-B',
        config: { TELEGRAM_BOT_TOKEN: 'SECRET-C', GEMINI_API_KEY: 'SECRET-D', DATABASE_AUTH_TOKEN: 'SECRET-E' },
        headers: { 'x-goog-api-key': 'SECRET-F' },
        llm: { apiKey: 'SECRET-G' },
      },
      'turn started',
    );
    const text = lines.join('');
    for (const secret of ['SECRET-A', 'SECRET-B', 'SECRET-C', 'SECRET-D', 'SECRET-E', 'SECRET-F', 'SECRET-G']) {
      assert.ok(!text.includes(secret), `${secret} leaked into the log: ${text}`);
    }
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(entry.update_id, 7);
    assert.equal(entry.chat_id, 42);
    assert.equal(entry.msg, 'turn started');
    assert.equal(entry.token, '[REDACTED]');
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info('hidden');
    log.warn('shown');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /shown/);
  });
});

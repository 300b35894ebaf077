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

  it('scrubs secret values from every string it writes: messages, err message, stack, causes, nested fields, child bindings', () => {
    const { lines, destination } = capture();
    const token = '7712345678:AAH-0123456789abcdefghij';
    const key = 'AIzaSy-gemini-key-0123456789';
    const dbToken = 'eyJhbGciOi.db-token.0123456789';
    const log = createLogger({ level: 'debug', destination, secrets: [token, key, dbToken, '', 'short'] });
    // A grammY-style HttpError: the wrapped fetch error's message carries the request URL.
    const fetchError = Object.assign(
      new Error(`request to https://api.telegram.org/bot${token}/getMe failed, reason: ECONNRESET`),
      {
        code: 'ECONNRESET',
      },
    );
    const httpError = Object.assign(new Error("Network request for 'getMe' failed!"), { error: fetchError });
    const wrapped = new Error('startup failed', {
      cause: new Error(`libsql said: bad token ${dbToken}`, { cause: httpError }),
    });
    const child = log.child({
      url: `https://generativelanguage.googleapis.com/v1beta/models/x?key=${encodeURIComponent(key)}`,
    });
    child.error(
      { err: wrapped, request: { headers: { 'x-goog-api-key': key }, body: `{"token":"${token}"}` } },
      `call with ${token} failed`,
    );
    child.debug('debug line %s', dbToken);
    log.warn(httpError);
    const text = lines.join('');
    assert.equal(lines.length, 3);
    for (const secret of [
      token,
      key,
      dbToken,
      encodeURIComponent(token),
      encodeURIComponent(key),
      token.split(':')[1] ?? '',
    ]) {
      assert.ok(!text.includes(secret), `${secret} leaked into the log: ${text}`);
    }
    const first = JSON.parse(lines[0] ?? '{}') as { msg: string; err: { message: string; stack: string }; url: string };
    assert.equal(first.msg, 'call with [REDACTED] failed');
    assert.match(
      first.err.message,
      /startup failed: libsql said: bad token \[REDACTED\]: Network request for 'getMe' failed!/,
    );
    assert.match(first.err.stack, /caused by: Error: libsql said: bad token \[REDACTED\]/);
    assert.match(first.url, /\?key=\[REDACTED\]$/);
    const third = JSON.parse(lines[2] ?? '{}') as { err: { error: { message: string; code: string } } };
    assert.match(
      third.err.error.message,
      /bot\[REDACTED\]\/getMe failed/,
      'the wrapped fetch error is logged, scrubbed',
    );
    assert.equal(third.err.error.code, 'ECONNRESET');
  });

  it("drops grammY's BotError context (the update and the API client) from logged errors", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    class BotError extends Error {
      ctx = { update: { message: { text: 'my private message' } }, api: { token: 'field-token-1234567' } };
    }
    log.error({ err: new BotError('Error in middleware', { cause: new Error('inner') }) }, 'update failed');
    const entry = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown> };
    assert.equal(entry.err.type, 'BotError');
    assert.equal(entry.err.message, 'Error in middleware: inner');
    assert.equal('ctx' in entry.err, false);
    assert.ok(!(lines[0] ?? '').includes('my private message'));
  });

  it('scrubs secrets nested deep inside any field', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination, secrets: ['abcdefgh-secret'] });
    log.info({ nested: { deep: { value: ['x', 'abcdefgh-secret'] } } }, 'ok');
    assert.ok(!(lines[0] ?? '').includes('abcdefgh-secret'));
    assert.deepEqual((JSON.parse(lines[0] ?? '{}') as { nested: unknown }).nested, {
      deep: { value: ['x', '[REDACTED]'] },
    });
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN_SECRET_LENGTH, REDACTED, createScrubber, secretForms, secretsFromEnv } from '../../src/core/scrub.ts';

const TOKEN = '7712345678:AAH-secret_part-0123456789abcdef';
const KEY = 'AIzaSyD-key+with/odd=chars"and\\slash';

describe('scrub', () => {
  it('replaces a token in a fetch error URL, the bot<token> form and the secret half alone', () => {
    const scrub = createScrubber(secretsFromEnv({ TELEGRAM_BOT_TOKEN: TOKEN }));
    const text = `request to http://127.0.0.1:9/bot${TOKEN}/getMe failed, reason: connect ECONNREFUSED; half: ${TOKEN.split(':')[1]}`;
    const out = scrub(text);
    assert.equal(
      out,
      `request to http://127.0.0.1:9/bot${REDACTED}/getMe failed, reason: connect ECONNREFUSED; half: ${REDACTED}`,
    );
  });

  it('replaces URL-encoded (both hex cases) and JSON-escaped forms', () => {
    const scrub = createScrubber([TOKEN, KEY]);
    const encoded = encodeURIComponent(TOKEN);
    assert.ok(encoded.includes('%3A'), 'the token has a character URL encoding changes');
    assert.equal(scrub(`/file/bot${encoded}/x`), `/file/bot${REDACTED}/x`);
    assert.equal(scrub(`/file/bot${encoded.replace('%3A', '%3a')}/x`), `/file/bot${REDACTED}/x`);
    assert.equal(scrub(`?key=${encodeURIComponent(KEY)}&alt=sse`), `?key=${REDACTED}&alt=sse`);
    // The key inside a JSON log line, and inside a JSON body quoted in an error message inside a JSON line.
    const line = JSON.stringify({
      msg: `x-goog-api-key: ${KEY}`,
      err: { message: `body ${JSON.stringify({ key: KEY })}` },
    });
    const clean = scrub(line);
    assert.ok(!clean.includes('AIzaSyD'), clean);
    assert.deepEqual(JSON.parse(clean), {
      msg: `x-goog-api-key: ${REDACTED}`,
      err: { message: `body {"key":"${REDACTED}"}` },
    });
  });

  it('collects the secret variables of an environment, trimmed, without empty ones', () => {
    const env = {
      TELEGRAM_BOT_TOKEN: ` ${TOKEN} `,
      GEMINI_API_KEY: 'gemini-key-123456',
      DATABASE_AUTH_TOKEN: '',
      WEBHOOK_SECRET: 'hook-secret-abc',
      SECRETS_KEY: 'master-key-xyz-123',
      LOG_LEVEL: 'debug',
    };
    assert.deepEqual(secretsFromEnv(env), [
      TOKEN,
      'gemini-key-123456',
      'hook-secret-abc',
      'master-key-xyz-123',
      TOKEN.split(':')[1],
    ]);
  });

  it('ignores empty and short values, and is the identity without secrets', () => {
    const scrub = createScrubber(['', undefined, '  ', 'x'.repeat(MIN_SECRET_LENGTH - 1)]);
    const text = 'debug xxxxxxx info';
    assert.equal(scrub(text), text);
    assert.equal(createScrubber([])(text), text);
  });

  it('replaces every occurrence, longest form first, and treats regex characters literally', () => {
    const secret = 'a.b*c+d?(e)[f]{g}|h^i$';
    const scrub = createScrubber([secret, 'a.b*c+d?']);
    assert.equal(
      scrub(`${secret} and ${secret} and a.b*c+d? and aXb*c+d?`),
      `${REDACTED} and ${REDACTED} and ${REDACTED} and aXb*c+d?`,
    );
    assert.ok(secretForms(secret).includes(encodeURIComponent(secret)));
  });
});

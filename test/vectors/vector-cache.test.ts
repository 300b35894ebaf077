import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { ScopeVectors, VectorCache } from '../../src/vectors/vector-index.ts';
import { encodeVector } from '../../src/vectors/vectors.ts';

const D = 64;
const repoConfig = new URL('../../config', import.meta.url).pathname;
const token = '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234';

/** A stored vector blob, as the store holds it. */
function vec(seed: number): Uint8Array {
  return encodeVector(Float32Array.from({ length: D }, (_, i) => Math.sin(seed * 31 + i)));
}

/** A loader over an in-memory "database": `perScope` vectors for every scope; counts loads per scope. */
function fakeStore(perScope: number) {
  const loads = new Map<string, number>();
  const loader = async (scope: string) => {
    loads.set(scope, (loads.get(scope) ?? 0) + 1);
    return Array.from({ length: perScope }, (_, i) => ({ id: i + 1, vec: vec(i) }));
  };
  return { loads, loader };
}

/** Bytes one loaded scope of `n` vectors takes (as the cache sizes it: n + 16 slots). */
function scopeBytes(n: number): number {
  const s = new ScopeVectors(D, n + 16);
  return s.bytes;
}

describe('VectorCache byte budget', () => {
  test('many users: cached bytes never exceed the budget; least recently used scopes go first', async () => {
    const perScope = 200;
    const budget = scopeBytes(perScope) * 10 + 100;
    const { loads, loader } = fakeStore(perScope);
    const cache = new VectorCache({ dims: D, maxBytes: budget, loader });
    let peak = 0;
    for (let u = 0; u < 100; u++) {
      await cache.get(`user:${u}`);
      // user:0 is active: touched between every other user's turn, so it stays warm.
      await cache.get('user:0');
      peak = Math.max(peak, cache.bytes);
      assert.ok(cache.bytes <= budget, `after ${u + 1} users: ${cache.bytes} bytes > budget ${budget}`);
    }
    assert.ok(peak > budget / 2, 'the cache is used up to its budget, not emptied');
    assert.equal(loads.get('user:0'), 1, 'the active user was never evicted');
    assert.equal(loads.get('user:1'), 1);
    await cache.get('user:1');
    assert.equal(loads.get('user:1'), 2, 'a long-idle user was evicted and reloads from the store');
    assert.equal((await cache.get('user:0')).size, perScope, 'vectors really are cached');
    await cache.get('user:99');
    assert.equal(loads.get('user:99'), 1, 'a recent user is still cached');
  });

  test('a growing scope pushes others out, never itself (one scope alone may exceed a tiny budget)', async () => {
    const { loads, loader } = fakeStore(100);
    const budget = scopeBytes(100) * 3;
    const cache = new VectorCache({ dims: D, maxBytes: budget, loader });
    for (const u of ['a', 'b', 'c']) await cache.get(u);
    assert.ok(cache.bytes <= budget);
    for (let i = 0; i < 400; i++) cache.add('c', 1000 + i, vec(i));
    const c = await cache.get('c');
    assert.equal(c.size, 500, 'the growing scope kept every vector');
    assert.equal(cache.bytes, c.bytes, 'the others were evicted to make room');
    await cache.get('a');
    assert.equal(loads.get('a'), 2);
    assert.equal(loads.get('c'), 1);
  });

  test('VECTOR_CACHE_MB configures the budget (default 64), with a clear error for bad values', () => {
    const base = { TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: repoConfig };
    assert.equal(loadConfig(base).env.VECTOR_CACHE_MB, 64);
    assert.equal(loadConfig({ ...base, VECTOR_CACHE_MB: '8' }).env.VECTOR_CACHE_MB, 8);
    try {
      loadConfig({ ...base, VECTOR_CACHE_MB: '0' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(
        err.issues.some((i) => i.includes('VECTOR_CACHE_MB') && i.includes('at least 1')),
        err.issues.join('\n'),
      );
    }
  });
});

/** config/guards.json is validated with clear errors naming the bad field; an absent file means the defaults. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';

const repoConfig = new URL('../../config', import.meta.url).pathname;
const token = '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function configWith(guards: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'guards-config-'));
  dirs.push(dir);
  cpSync(repoConfig, dir, { recursive: true });
  if (guards === undefined) rmSync(join(dir, 'guards.json'));
  else writeFileSync(join(dir, 'guards.json'), typeof guards === 'string' ? guards : JSON.stringify(guards));
  return dir;
}

const load = (dir: string) => loadConfig({ TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: dir });

function issuesOf(dir: string): string[] {
  try {
    load(dir);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

describe('config/guards.json', () => {
  it("the repo's file loads, and its values are the documented defaults", () => {
    const config = load(repoConfig);
    assert.deepEqual(config.guards, {
      injection: { enabled: true, onInput: 'log', onToolResult: 'flag', spotlight: true },
      keywords: [],
      maxToolCallsPerTurn: 32,
      secrets: { enabled: true },
    });
  });

  it('an absent file means the defaults', () => {
    assert.deepEqual(load(configWith(undefined)).guards, {
      injection: { enabled: true, onInput: 'log', onToolResult: 'flag', spotlight: true },
      keywords: [],
      maxToolCallsPerTurn: 32,
      secrets: { enabled: true },
    });
  });

  it('keyword rules load with their defaults', () => {
    const config = load(configWith({ keywords: [{ name: 'cards', pattern: '\\d{16}', action: 'redact' }] }));
    assert.deepEqual(config.guards.keywords, [{ name: 'cards', pattern: '\\d{16}', action: 'redact', on: ['output'] }]);
  });

  it('every bad field is named, all at once', () => {
    const issues = issuesOf(
      configWith({
        injection: { onInput: 'drop' },
        maxToolCallsPerTurn: -1,
        keywords: [
          { name: 'bad', pattern: '([a-z', action: 'redact' },
          { name: 'Bad Name', keywords: ['x'], action: 'hide' },
          { name: 'empty', action: 'block' },
        ],
        secret: { enabled: false },
      }),
    );
    const text = issues.join('\n');
    assert.match(text, /guards\.json: injection\.onInput: /);
    assert.match(text, /guards\.json: maxToolCallsPerTurn: /);
    assert.match(text, /guards\.json: keywords\.0\.pattern: is not a valid regular expression/);
    assert.match(text, /guards\.json: keywords\.1\.name: must be lowercase letters/);
    assert.match(text, /guards\.json: keywords\.1\.action: /);
    assert.match(text, /guards\.json: keywords\.2: needs "keywords" or "pattern"/);
    assert.match(text, /guards\.json: \(root\): Unrecognized key: "secret"/);
  });

  it('invalid JSON is reported as such', () => {
    assert.match(issuesOf(configWith('{ "keywords": [ }')).join('\n'), /guards\.json: not valid JSON/);
  });
});

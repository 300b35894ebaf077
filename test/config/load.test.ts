import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function copyConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-config-'));
  dirs.push(dir);
  cpSync(repoConfig, dir, { recursive: true });
  return dir;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies documented defaults to a minimal environment', () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: repoConfig });
    assert.equal(config.env.DATABASE_URL, 'file:data/assistant.db');
    assert.equal(config.env.BOT_MODE, 'polling');
    assert.equal(config.env.DEFAULT_TIMEZONE, 'UTC');
    assert.equal(config.env.TELEGRAM_API_ROOT, 'https://api.telegram.org');
    assert.deepEqual(config.env.ALLOWED_USER_IDS, []);
    assert.equal(config.roster.limits.maxSteps, 8);
    assert.deepEqual(
      config.roster.agents.map((a) => a.name),
      ['assistant', 'planner', 'researcher', 'analyst'],
    );
    assert.ok(config.prompts['prompts/router.md']?.includes('routing'));
    assert.ok(Object.isFrozen(config));
  });

  it('lists every problem at once and never echoes secret values', () => {
    const secret = 'not-a-valid-token-SECRET';
    const issues = issuesOf(() =>
      loadConfig({
        TELEGRAM_BOT_TOKEN: secret,
        DEFAULT_TIMEZONE: 'Mars/Olympus',
        BOT_MODE: 'webhook',
        ALLOWED_USER_IDS: '12,abc',
        PORT: '99999',
        CONFIG_DIR: repoConfig,
      }),
    );
    const text = issues.join('\n');
    for (const name of [
      'TELEGRAM_BOT_TOKEN',
      'GEMINI_API_KEY',
      'DEFAULT_TIMEZONE',
      'WEBHOOK_URL',
      'WEBHOOK_SECRET',
      'ALLOWED_USER_IDS',
      'PORT',
    ]) {
      assert.match(text, new RegExp(name), `missing ${name} in:\n${text}`);
    }
    assert.ok(!text.includes(secret), 'the token value must not be printed');
  });

  it('parses ALLOWED_USER_IDS and webhook settings', () => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: token,
      GEMINI_API_KEY: 'k',
      ALLOWED_USER_IDS: ' 1, 22 ,333',
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/telegram',
      WEBHOOK_SECRET: 'abc_DEF-123',
      PORT: '8443',
      CONFIG_DIR: repoConfig,
    });
    assert.deepEqual(config.env.ALLOWED_USER_IDS, [1, 22, 333]);
    assert.equal(config.env.PORT, 8443);
  });

  it('validates the agent roster and prompt files in CONFIG_DIR', () => {
    const dir = copyConfig();
    const roster = JSON.parse(readFileSync(join(dir, 'agents.json'), 'utf8'));
    roster.agents.push({ ...roster.agents[0] });
    roster.agents.push({ name: 'Bad Name', description: 'short', prompt: 'prompts/missing.md' });
    const bad = roster.agents.length - 1;
    roster.agents[2].tools = ['current_time'];
    writeFileSync(join(dir, 'agents.json'), JSON.stringify(roster));
    const text = issuesOf(() => loadConfig({ TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: dir })).join(
      '\n',
    );
    assert.match(text, /duplicate agent "assistant"/);
    assert.match(text, new RegExp(`agents\\.${bad}\\.name`));
    assert.match(text, new RegExp(`agents\\.${bad}\\.description`));
    assert.match(text, /cannot combine builtinTools/);
  });

  it('reports a missing prompt file and invalid JSON clearly', () => {
    const dir = copyConfig();
    rmSync(join(dir, 'prompts', 'planner.md'));
    let text = issuesOf(() => loadConfig({ TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: dir })).join(
      '\n',
    );
    assert.match(text, /prompt file "prompts\/planner\.md" not found/);
    writeFileSync(join(dir, 'agents.json'), '{ nope');
    text = issuesOf(() => loadConfig({ TELEGRAM_BOT_TOKEN: token, GEMINI_API_KEY: 'k', CONFIG_DIR: dir })).join('\n');
    assert.match(text, /agents\.json: not valid JSON/);
  });
});

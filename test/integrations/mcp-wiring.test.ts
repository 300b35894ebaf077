/**
 * Issue 16, point 1: the approval policy for MCP tools (the shipped `mcp_*` rule asks; read-only tools are exempt
 * unless a rule names them exactly), which agents get a server's tools, and the /tools message in both languages.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { createIntegrationsWiring } from '../../src/app-integrations.ts';
import { approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import { createApprovalPolicy } from '../../src/approvals/policy.ts';
import { loadConfig } from '../../src/config/load.ts';
import { mcpConfigSchema } from '../../src/config/mcp.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Outbox } from '../../src/core/outbox.ts';
import type { ServerStatus } from '../../src/integrations/server.ts';
import { renderTools } from '../../src/telegram/features/tools.ts';
import { repoRoot } from '../support/child-bot.ts';
import { readFileSync } from 'node:fs';

const log = createLogger({ level: 'silent' });

function tool(name: string, readOnly: boolean): McpTool {
  return { name, inputSchema: { type: 'object' }, annotations: { readOnlyHint: readOnly } } as McpTool;
}

describe('approval policy for MCP tools', () => {
  it('the shipped approvals.json asks for every MCP tool; read-only ones are exempt unless named exactly', () => {
    const shipped = JSON.parse(readFileSync(resolve(repoRoot, 'config/approvals.json'), 'utf8'));
    const base = createApprovalPolicy(approvalsConfigSchema.parse(shipped));
    assert.equal(base.evaluate('mcp_files_write_file', {}).required, true, 'mcp_* asks');

    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234',
      GEMINI_API_KEY: 'k',
      CONFIG_DIR: resolve(repoRoot, 'config'),
    });
    const mcp = mcpConfigSchema.parse({ mcpServers: { files: { url: 'http://127.0.0.1:9/mcp' } } });
    const wiring = createIntegrationsWiring({
      config: { ...config, mcp },
      clock: systemClock,
      log,
      outbox: {} as Outbox,
      localeOf: async () => 'en',
    });
    // The server's listing, as a connection would set it (no server runs in this test).
    const server = wiring.integrations.server('files');
    assert.ok(server);
    const listed = [tool('read_text_file', true), tool('write_file', false)];
    (server as { tools: () => McpTool[] }).tools = () => listed;

    const policy = wiring.policy(base);
    assert.equal(policy.evaluate('mcp_files_read_text_file', {}).required, false, 'read-only: no approval');
    assert.equal(policy.evaluate('mcp_files_write_file', {}).required, true, 'write: asks');
    assert.equal(policy.evaluate('forget', {}).required, true, 'other rules unchanged');
    assert.equal(policy.evaluate('current_time', {}).required, false);

    const strict = approvalsConfigSchema.parse({
      ...shipped,
      tools: { ...shipped.tools, mcp_files_read_text_file: { mode: 'always' } },
    });
    assert.equal(
      wiring.policy(createApprovalPolicy(strict)).evaluate('mcp_files_read_text_file', {}).required,
      true,
      'a rule naming the tool exactly wins over the annotation',
    );
    assert.deepEqual(
      wiring.toolsFor('assistant').map((t) => t.name),
      ['mcp_files_read_text_file', 'mcp_files_write_file'],
      'no agent names "files": the assistant gets it',
    );
    assert.deepEqual(wiring.toolsFor('planner'), []);
    assert.equal(wiring.toolNamed('mcp_files_write_file')?.readOnly, false);
  });
});

describe('/tools', () => {
  const servers: ServerStatus[] = [
    {
      name: 'files',
      kind: 'stdio',
      description: 'Notes folder',
      state: 'ready',
      perUser: false,
      secrets: [],
      tools: [tool('read_text_file', true), tool('write_file', false)],
      sessions: 0,
    },
    {
      name: 'todoist',
      kind: 'stdio',
      state: 'down',
      perUser: true,
      secrets: ['todoist'],
      tools: [],
      lastError: 'spawn todoist-mcp ENOENT',
      sessions: 0,
    },
  ];

  it('lists each server with its state, the secrets a user must connect and its tools, in English and Russian', () => {
    const en = renderTools(servers, 'en').text;
    assert.match(en, /^Connected services \(2\):/);
    assert.match(en, /files: ✅ ready · 2 tools\n {2}Notes folder\n {2}read_text_file, write_file/);
    assert.match(
      en,
      /todoist: ⚠️ unavailable, reconnecting · 0 tools\n {2}last error: spawn todoist-mcp ENOENT\n {2}needs your key: \/connect todoist in a private chat/,
    );
    const ru = renderTools(servers, 'ru').text;
    assert.match(ru, /files: ✅ работает · 2 инструмента/);
    assert.match(ru, /нужен ваш ключ: \/connect todoist в личном чате/);
    assert.match(renderTools([], 'en').text, /No services are connected/);
  });
});

/**
 * Issue 16, point 1: what Gemini is given of an MCP tool's JSON Schema (converted where it can't take it as-is), the
 * light argument check against the tool's own schema, tool names within Gemini's rules, and mcp.json validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { mcpConfigSchema } from '../../src/config/mcp.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { checkArgs } from '../../src/integrations/arg-check.ts';
import { toGeminiParameters } from '../../src/integrations/gemini-schema.ts';
import { blankSecrets, resolveSecrets, secretNames } from '../../src/integrations/secret-refs.ts';
import { mcpToolName } from '../../src/integrations/tool-names.ts';
import { repoRoot } from '../support/child-bot.ts';

/** `${secret:<name>}` as mcp.json writes it. */
const ref = (name: string): string => `$${'{'}secret:${name}}`;

describe('JSON Schema → Gemini parameters', () => {
  it('passes a plain object schema through, without $schema and additionalProperties', () => {
    const { schema, wrapped } = toGeminiParameters({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { path: { type: 'string', description: 'Where' }, head: { type: 'number' } },
      required: ['path'],
      additionalProperties: false,
    });
    assert.equal(wrapped, false);
    assert.deepEqual(schema, {
      type: 'object',
      properties: { path: { type: 'string', description: 'Where' }, head: { type: 'number' } },
      required: ['path'],
    });
  });

  it('inlines $ref/$defs and cuts recursion', () => {
    const { schema } = toGeminiParameters({
      type: 'object',
      $defs: {
        Person: { type: 'object', properties: { name: { type: 'string' }, friend: { $ref: '#/$defs/Person' } } },
      },
      properties: { who: { $ref: '#/$defs/Person' } },
      required: ['who'],
    });
    const text = JSON.stringify(schema);
    assert.ok(!text.includes('$ref') && !text.includes('$defs'), text);
    const who = (schema.properties as Record<string, Record<string, unknown>>).who;
    assert.equal(who?.type, 'object');
    assert.deepEqual((who?.properties as Record<string, unknown> | undefined)?.name, { type: 'string' });
    // Three levels deep, then a plain object.
    let node: Record<string, unknown> | undefined = who;
    let depth = 0;
    while (node && (node.properties as Record<string, Record<string, unknown>> | undefined)?.friend) {
      node = (node.properties as Record<string, Record<string, unknown>>).friend;
      depth++;
    }
    assert.ok(depth >= 2 && depth <= 4, `recursion cut at depth ${depth}`);
  });

  it('turns oneOf into anyOf, const into enum, type lists into one type (null dropped), merges allOf', () => {
    const { schema } = toGeminiParameters({
      type: 'object',
      properties: {
        id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        kind: { const: 'task' },
        due: { type: ['string', 'null'], format: 'date-time' },
        both: {
          allOf: [
            { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
            { properties: { b: { type: 'number' } } },
          ],
        },
        level: { type: 'integer', enum: [1, 2, 3] },
        tags: { type: 'array' },
      },
    });
    const p = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(p.id, { anyOf: [{ type: 'string' }, { type: 'integer' }] });
    assert.deepEqual(p.kind, { enum: ['task'], type: 'string' });
    assert.deepEqual(p.due, { format: 'date-time', type: 'string' });
    assert.deepEqual(p.both, {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
      required: ['a'],
    });
    assert.equal(p.level?.type, 'integer');
    assert.equal(p.level?.enum, undefined, 'Gemini enums are strings: numbers are described instead');
    assert.match(String(p.level?.description), /one of: 1, 2, 3/);
    assert.deepEqual(p.tags, { type: 'array', items: { type: 'string' } });
  });

  it('flattens a root anyOf into one object (required: what every variant requires); wraps a non-object root', () => {
    const flat = toGeminiParameters({
      anyOf: [
        { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } }, required: ['id'] },
        {
          type: 'object',
          properties: { id: { type: 'string' }, email: { type: 'string' } },
          required: ['id', 'email'],
        },
      ],
    });
    assert.equal(flat.wrapped, false);
    assert.deepEqual(Object.keys(flat.schema.properties as object).sort(), ['email', 'id', 'name']);
    assert.deepEqual(flat.schema.required, ['id']);

    const wrapped = toGeminiParameters({ type: 'string', description: 'A query' });
    assert.equal(wrapped.wrapped, true);
    assert.deepEqual(wrapped.schema, {
      type: 'object',
      properties: { value: { type: 'string', description: 'A query' } },
      required: ['value'],
    });
    assert.deepEqual(toGeminiParameters({}).schema, { type: 'object', properties: {} });
  });
});

describe("argument check against the tool's own schema", () => {
  const schema = {
    type: 'object',
    $defs: { Edit: { type: 'object', properties: { oldText: { type: 'string' } }, required: ['oldText'] } },
    properties: {
      path: { type: 'string' },
      edits: { type: 'array', items: { $ref: '#/$defs/Edit' } },
      mode: { enum: ['a', 'b'] },
      n: { type: 'integer' },
      id: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    },
    required: ['path'],
  };

  it('accepts good arguments', () => {
    assert.deepEqual(checkArgs(schema, { path: 'x', edits: [{ oldText: 'a' }], mode: 'a', n: 2, id: 3 }), []);
  });

  it('names each problem by its path', () => {
    assert.deepEqual(checkArgs(schema, { edits: [{}], mode: 'c', n: 1.5, id: true }), [
      'path: required',
      'edits[0].oldText: required',
      'mode: must be one of "a", "b"',
      'n: expected integer, got number',
      'id: matches none of the allowed forms',
    ]);
    assert.deepEqual(checkArgs(schema, 'nope'), ['(arguments): expected object, got string']);
  });
});

describe('tool names', () => {
  it('mcp_<server>_<tool>, sanitised, at most 64 characters and still distinct', () => {
    assert.equal(mcpToolName('files', 'read_file'), 'mcp_files_read_file');
    assert.equal(mcpToolName('everything', 'get-env'), 'mcp_everything_get-env');
    assert.equal(mcpToolName('x', 'a b/c:d'), 'mcp_x_a_b_c_d');
    const a = mcpToolName('server', `very_${'long_'.repeat(20)}one`);
    const b = mcpToolName('server', `very_${'long_'.repeat(20)}two`);
    assert.equal(a.length, 64);
    assert.notEqual(a, b);
    assert.match(a, /^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/);
  });
});

describe('secret references', () => {
  it('finds, resolves and blanks secret references', async () => {
    const env = { API_TOKEN: ref('todoist'), URL: 'https://x/' + ref('host') + '/y', PLAIN: 'p' };
    assert.deepEqual(secretNames(env), ['host', 'todoist']);
    assert.deepEqual(blankSecrets(env), { API_TOKEN: '', URL: 'https://x//y', PLAIN: 'p' });
    const secrets = {
      get: async (_u: number, name: string) => ({ todoist: 'T', host: 'H' })[name],
      values: async () => [],
    };
    assert.deepEqual(await resolveSecrets(env, 'todo', 1, secrets), {
      API_TOKEN: 'T',
      URL: 'https://x/H/y',
      PLAIN: 'p',
    });
    await assert.rejects(
      resolveSecrets(env, 'todo', 1, { get: async () => undefined, values: async () => [] }),
      /send \/connect host in a private chat/,
    );
    await assert.rejects(resolveSecrets(env, 'todo', 1, undefined), /\/connect host/);
  });
});

describe('config/mcp.json', () => {
  it('accepts the standard shapes and names the server in every error', () => {
    const ok = mcpConfigSchema.parse({
      mcpServers: {
        files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] },
        remote: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer ' + ref('remote') } },
      },
    });
    assert.equal(ok.mcpServers.files?.kind, 'stdio');
    assert.equal(ok.mcpServers.remote?.kind, 'http');
    assert.equal(ok.mcpServers.files?.timeoutMs, 30_000);

    const bad = mcpConfigSchema.safeParse({
      mcpServers: { both: { command: 'x', url: 'https://x' }, web: { url: 'ftp://x' }, cli: { command: 'x', arg: [] } },
    });
    assert.equal(bad.success, false);
    const lines = bad.success ? [] : bad.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(
      lines.some((l) => l.startsWith('mcpServers.both') && l.includes('either "command"')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('mcpServers.web.url')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('mcpServers.cli') && /arg/.test(l)),
      lines.join('\n'),
    );
  });

  it('loadConfig reads mcp.json from CONFIG_DIR (optional) and rejects agents naming unknown servers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-cfg-'));
    try {
      cpSync(resolve(repoRoot, 'config'), dir, { recursive: true });
      const env = {
        TELEGRAM_BOT_TOKEN: '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234',
        GEMINI_API_KEY: 'k',
        CONFIG_DIR: dir,
      };
      assert.deepEqual(loadConfig(env).mcp, { mcpServers: {} });
      rmSync(join(dir, 'mcp.json'));
      assert.deepEqual(loadConfig(env).mcp, { mcpServers: {} }, 'a missing mcp.json means no servers');
      writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { notes: { url: 'nope' } } }));
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.includes('mcp.json: mcpServers.notes.url')),
      );
      writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { notes: { command: 'notes-server' } } }));
      const agents = JSON.parse(JSON.stringify(loadConfig(env).roster));
      agents.agents[1].mcp = ['calendar'];
      writeFileSync(join(dir, 'agents.json'), JSON.stringify(agents));
      assert.throws(
        () => loadConfig(env),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.issues.some((i) => i.includes('lists MCP server "calendar"') && i.includes('notes')),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

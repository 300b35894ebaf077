import { Composer } from 'grammy';
import type { OutMessage, Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { ServerStatus } from '../../integrations/server.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { actingLocale } from './acting-locale.ts';
import { toolsTexts } from './tools-texts.ts';

export const toolsCommands = [{ command: 'tools', description: 'Connected services and their tools' }];

export interface ToolsFeatureDeps {
  /** Every configured MCP server as it is now. */
  status: () => ServerStatus[];
  outbox: Outbox;
  localeOf?: (userId: number) => Promise<Locale>;
}

/** Tool names shown per server before "…and N more". */
const MAX_TOOLS_SHOWN = 25;

/** The /tools message: each server with its state and its tools' names (as the server names them). Plain text. */
export function renderTools(servers: ServerStatus[], locale: Locale): OutMessage {
  const t = toolsTexts(locale);
  if (servers.length === 0) return { text: t.none, format: 'plain' };
  const blocks = servers.map((s) => {
    const lines = [`${t.server({ name: s.name, status: t[s.state], tools: s.tools.length })}`];
    if (s.description) lines.push(`  ${s.description}`);
    if (s.state === 'down' && s.lastError) lines.push(`  ${t.lastError({ error: s.lastError.slice(0, 200) })}`);
    if (s.secrets.length > 0)
      lines.push(`  ${t.needsSecret({ commands: s.secrets.map((n) => `/connect ${n}`).join(', ') })}`);
    const names = s.tools.map((tool) => tool.name);
    if (names.length > 0) lines.push(`  ${names.slice(0, MAX_TOOLS_SHOWN).join(', ')}`);
    if (names.length > MAX_TOOLS_SHOWN) lines.push(`  ${t.more({ n: names.length - MAX_TOOLS_SHOWN })}`);
    return lines.join('\n');
  });
  return { text: [t.header({ n: servers.length }), '', blocks.join('\n\n'), '', t.footer].join('\n'), format: 'plain' };
}

/** `/tools`: the MCP services in config/mcp.json, whether each is reachable, and the tools it offers. */
export function createToolsFeature(deps: ToolsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('tools', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to) return;
    const servers = deps.status();
    const delivery = await deps.outbox.send(to, renderTools(servers, await actingLocale(deps.localeOf, ctx.from)));
    ctx.log.info({ servers: servers.length, delivered: delivery.ok }, '/tools');
  });
  return composer;
}

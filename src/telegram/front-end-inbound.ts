import type { Update } from 'grammy/types';
import type { Clock } from '../core/clock.ts';
import { type AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Users } from '../users/users.ts';
import type { createBot } from './bot.ts';
import { isForBot } from './features/groups.ts';
import { ALLOWED_UPDATES, senderOf } from './intake/classify.ts';
import { createPolling, type Polling } from './intake/polling.ts';
import type { HttpRoute } from '../core/http-route.ts';
import { type Health, type HttpServer, startHttpServer } from './intake/server.ts';

type Bot = ReturnType<typeof createBot>;

/** Only metadata is stored for unauthorized senders and for group chatter not addressed to the bot. */
export function createMetadataOnly(deps: { bot: Bot; users: Users; log: Logger }) {
  const { bot, users, log } = deps;
  return async (update: Update): Promise<boolean> => {
    const sender = senderOf(update);
    if (!sender) return true;
    const m = update.message ?? update.edited_message;
    if (m && bot.isInited() && !isForBot(m, bot.botInfo)) return true;
    try {
      if (users.mode === 'owner' && (await users.ownerId()) === undefined) return false; // the first /start claims the bot
      return !(await users.isServed(sender.id));
    } catch (err) {
      log.warn({ err: toError(err) }, 'access check failed at intake; storing metadata only');
      return true;
    }
  };
}

/** What starting the inbound side needs. */
export interface InboundOptions {
  mode: 'polling' | 'webhook';
  port: number;
  host?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  pollTimeoutSeconds?: number;
  bot: Bot;
  log: Logger;
  clock: Clock;
  health: () => Promise<Health>;
  routes?: HttpRoute[];
  accept: (updates: Update[]) => Promise<unknown>;
  onFatal: (error: AppError) => void;
}

/** Starts the health server and either registers the webhook or starts long polling. */
export async function startInbound(o: InboundOptions): Promise<{ server: HttpServer; polling?: Polling }> {
  const { bot, log } = o;
  const listen = { port: o.port, ...(o.host ? { host: o.host } : {}), log, health: o.health, routes: o.routes ?? [] };
  if (o.mode === 'webhook') {
    const url = new URL(o.webhookUrl ?? '');
    const secret = o.webhookSecret ?? '';
    const server = await startHttpServer({
      ...listen,
      webhook: { path: url.pathname || '/', secret, accept: (update) => o.accept([update]) },
    });
    await bot.api.setWebhook(url.toString(), { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
    log.info({ path: url.pathname }, 'webhook registered');
    return { server };
  }
  const server = await startHttpServer(listen);
  await bot.api.deleteWebhook().catch((err) => log.warn({ err: toError(err) }, 'deleteWebhook failed'));
  const polling = createPolling({
    api: bot.api,
    accept: o.accept,
    log,
    clock: o.clock,
    timeoutSeconds: o.pollTimeoutSeconds ?? 25,
    onFatal: o.onFatal,
  });
  polling.start();
  log.info('long polling started');
  return { server, polling };
}

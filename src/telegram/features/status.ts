import { Composer } from 'grammy';
import type { Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { statusTexts } from './status-texts.ts';

export const statusCommands = [{ command: 'status', description: 'Owner: bot health, queue and recent errors' }];

/** What /status shows; gathered by the composition root. */
export interface StatusReport {
  version: string;
  uptimeSeconds: number;
  /** Undefined when unknown (a remote database). */
  dbSizeBytes: number | undefined;
  queue: { running: number; queued: number };
  /** Most recent first. */
  errors: { code: string; count: number; lastAt: number }[];
  /** Per model, the last hour. */
  modelCalls: { model: string; calls: number; failed: number }[];
}

export interface StatusFeatureDeps {
  outbox: Outbox;
  ownerId: () => Promise<number | undefined>;
  localeOf: (userId: number) => Promise<Locale>;
  timezoneOf: (userId: number) => Promise<string>;
  report: () => Promise<StatusReport>;
}

/** "3 d 4 h", "2 h 5 min", "40 s" (units are the same in both languages' short forms we use). */
export function formatUptime(seconds: number, locale: Locale): string {
  const [d, h, m] = locale === 'ru' ? ['д', 'ч', 'мин'] : ['d', 'h', 'min'];
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} ${d} ${hours} ${h}`;
  if (hours > 0) return `${hours} ${h} ${minutes} ${m}`;
  if (minutes > 0) return `${minutes} ${m}`;
  return `${Math.max(0, Math.floor(seconds))} ${locale === 'ru' ? 'с' : 's'}`;
}

/** "512 KB", "3.4 MB". */
export function formatBytes(bytes: number, locale: Locale): string {
  const units = locale === 'ru' ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: i >= 2 ? 1 : 0 }).format(v)} ${units[i]}`;
}

/** The /status text in `locale`. */
export function statusText(r: StatusReport, locale: Locale, timeZone: string): string {
  const t = statusTexts(locale);
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const calls = r.modelCalls.reduce((n, m) => n + m.calls, 0);
  return [
    t.title,
    t.version({ version: r.version }),
    t.uptime({ uptime: formatUptime(r.uptimeSeconds, locale) }),
    r.dbSizeBytes === undefined ? t.dbSizeUnknown : t.dbSize({ size: formatBytes(r.dbSizeBytes, locale) }),
    t.queue(r.queue),
    t.modelCalls({ n: calls }),
    ...r.modelCalls.map((m) => t.modelLine({ model: m.model, n: m.calls, failed: m.failed })),
    ...(r.errors.length === 0
      ? [t.noErrors]
      : [
          t.errorsTitle,
          ...r.errors.map((e) => t.errorLine({ code: e.code, n: e.count, at: time.format(new Date(e.lastAt)) })),
        ]),
  ].join('\n');
}

/** The owner's `/status`: version, uptime, DB size, queue, last errors, model calls in the last hour. */
export function createStatusFeature(deps: StatusFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('status', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const me = ctx.from.id;
    const locale = await deps.localeOf(me);
    if ((await deps.ownerId()) !== me) {
      await deps.outbox.send(to, { text: statusTexts(locale).onlyOwner, format: 'plain' });
      return;
    }
    const text = statusText(await deps.report(), locale, await deps.timezoneOf(me));
    await deps.outbox.send(to, { text, format: 'plain' });
  });
  return composer;
}

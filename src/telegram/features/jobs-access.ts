import { toError } from '../../core/errors.ts';
import { UNDO_WINDOW_MS } from '../../core/undo.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Job } from '../../scheduler/job.ts';
import type { BotContext } from '../context.ts';
import { isGroupChat } from './groups.ts';
import type { JobsFeatureDeps } from './jobs-deps.ts';
import { jobsTexts } from './jobs-texts.ts';
import type { Viewer } from './jobs-view.ts';

/** The jobs /jobs shows in a chat: in a group everyone's, in a private chat the person's own; plus ones just deleted. */
export function jobsShown(
  deps: JobsFeatureDeps,
  chat: { id: number; type: string },
  userId: number,
  now: number,
): Promise<Job[]> {
  const deletedSince = now - UNDO_WINDOW_MS;
  return isGroupChat(chat.type)
    ? deps.scheduler.list({ chatId: chat.id, deletedSince })
    : deps.scheduler.list({ ownerUserId: userId, chatId: chat.id, deletedSince });
}

/** Who is looking: the zone they read times in, and in a group the names of the people who set the jobs. */
export async function viewerFor(
  deps: JobsFeatureDeps,
  chat: { id: number; type: string },
  userId: number,
  jobs: Job[],
): Promise<Viewer> {
  const group = isGroupChat(chat.type);
  const zone = group ? await deps.chatTimezoneOf?.(chat.id) : await deps.timezoneOf?.(userId).catch(() => undefined);
  const locale = await localeOf(deps, userId);
  const names = new Map<number, string>();
  if (group) for (const id of new Set(jobs.map((j) => j.ownerUserId))) names.set(id, await nameOf(deps, id, locale));
  return { group, ...(zone ? { zone } : {}), names, locale };
}

/** Whether the person is an admin of the group (asked from Telegram each time; a failure counts as no). */
export async function isGroupAdmin(ctx: BotContext, chatId: number, userId: number): Promise<boolean> {
  try {
    const member = await ctx.api.getChatMember(chatId, userId);
    return member.status === 'creator' || member.status === 'administrator';
  } catch (err) {
    ctx.log.warn({ err: toError(err) }, 'could not check group admin status');
    return false;
  }
}

/** A person's name as the jobs UI shows it. */
export async function nameOf(deps: JobsFeatureDeps, userId: number, locale: Locale = 'en'): Promise<string> {
  return (await deps.nameOf?.(userId).catch(() => undefined)) ?? jobsTexts(locale).someone;
}

/** The language the person who acts reads (English when unknown). */
export async function localeOf(deps: JobsFeatureDeps, userId: number): Promise<Locale> {
  return (await deps.localeOf?.(userId).catch(() => undefined)) ?? 'en';
}

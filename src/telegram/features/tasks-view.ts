import { callbackCodec, colonSchema } from '../../core/keys/codec.ts';
import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Task } from '../../tasks/task.ts';
import { tasksTexts } from './tasks-texts.ts';

/** ⏹ Cancel under /tasks: `tk:c:<taskId>`. */
export const taskCancelData = callbackCodec<string>({
  name: 'task cancel button',
  prefix: 'tk:',
  schema: colonSchema(/^tk:c:[A-Za-z0-9_-]{1,56}$/, (p) => p[2]!),
  format: (id) => `tk:c:${id}`,
});

const short = (title: string, max: number) => (title.length > max ? `${title.slice(0, max - 1)}…` : title);

/** The /tasks message: open tasks (with a Cancel button each for queued and running ones), then recent ended ones. */
export function renderTasks(tasks: Task[], now: number, locale: Locale): OutMessage {
  const t = tasksTexts(locale);
  if (tasks.length === 0) return { text: t.none, format: 'plain' };
  const line = (task: Task): string => {
    const title = short(task.title, 80);
    switch (task.status) {
      case 'running':
        return t.running({ title, minutes: Math.max(0, Math.floor((now - (task.startedAt ?? now)) / 60_000)) });
      case 'queued':
        return t.queued({ title });
      case 'waiting':
        return t.waiting({ title });
      case 'done':
        return t.done({ title });
      case 'failed':
        return t.failed({ title });
      case 'cancelled':
        return t.cancelled({ title });
    }
  };
  const open = tasks.filter((x) => x.status === 'queued' || x.status === 'running');
  const ended = tasks.filter((x) => !open.includes(x));
  const lines = [t.title, '', ...open.map(line)];
  if (ended.length > 0) lines.push(...(open.length > 0 ? [''] : []), t.recent, ...ended.map(line));
  const keyboard: Keyboard = open.map((x) => [
    { text: t.cancelButton({ title: short(x.title, 40) }), data: taskCancelData.encode(x.id) },
  ]);
  return { text: lines.join('\n'), format: 'plain', ...(keyboard.length > 0 ? { keyboard } : {}) };
}

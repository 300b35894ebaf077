import type { AppDeps } from './app.ts';
import type { Outbox } from './core/outbox.ts';
import type { RoutineRunner } from './core/routines.ts';
import type { WrappableTurnRunner } from './agents/turn-wrappers.ts';
import type { SchedulerDeps } from './scheduler/scheduler-api.ts';
import { createScheduler } from './scheduler/scheduler.ts';
import { createSchedulerTools } from './scheduler/tools.ts';
import { createTurnAnswers } from './scheduler/turn-answers.ts';
import type { ChatSettingsStore } from './users/chat-settings.ts';
import type { Users } from './users/users.ts';

/**
 * The scheduler, wired: jobs (reminders, prompts, routines), the turn wrapper that shows what a turn scheduled or
 * deleted as one answer (card / Undo), and the schedule_* tools. A moved group's jobs follow it (`migrateChat`).
 */
export function createSchedulerWiring(
  deps: AppDeps & { outbox: Outbox; users: Users },
  parts: {
    turnRunner: WrappableTurnRunner;
    chatSettings: ChatSettingsStore;
    approvals: NonNullable<SchedulerDeps['approvals']>;
    isServed: (userId: number) => Promise<boolean>;
    routines: RoutineRunner;
    onChatMigration: (migrate: (from: number, to: number) => Promise<unknown>) => void;
  },
) {
  const { store, clock, log, ids, config, outbox, users } = deps;
  const { turnRunner } = parts;
  const jobs = createScheduler({
    store,
    clock,
    log: log.child({ module: 'scheduler' }),
    outbox,
    turnRunner,
    timezoneOf: (userId) => users.timezoneOf(userId),
    localeOf: (userId) => users.localeOf(userId),
    chatTimezoneOf: (chatId) => parts.chatSettings.timezoneOf(chatId),
    newId: ids,
    approvals: parts.approvals,
    isServed: parts.isServed,
    routines: parts.routines,
    options: { minPromptIntervalMs: config.env.SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES * 60_000 },
  });
  parts.onChatMigration((from, to) => jobs.migrateChat(from, to));
  // A turn's answer shows what it scheduled or deleted (card / Undo), as one message.
  const answers = createTurnAnswers({
    scheduler: jobs,
    outbox,
    clock,
    log: log.child({ module: 'scheduler' }),
    localeOf: (userId) => users.localeOf(userId),
  });
  turnRunner.wrap(answers.wrap);
  return { jobs, tools: createSchedulerTools(jobs, answers) };
}

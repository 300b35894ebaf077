import type { ToolRegistry } from './agents/registry.ts';
import type { AppDeps } from './app.ts';
import type { Outbox } from './core/outbox.ts';
import type { Suspension, TurnRequest, TurnRunner } from './core/turn.ts';
import type { TaskOptions } from './tasks/task.ts';
import { createTaskTool } from './tasks/task-tool.ts';
import { createTasks } from './tasks/tasks.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { createTasksFeature, tasksCommands } from './telegram/features/tasks.ts';
import type { Users } from './users/users.ts';

/** What background tasks are wired from (services built by createApp). */
export interface AppTasksDeps extends Pick<AppDeps, 'store' | 'clock' | 'log' | 'ids'> {
  outbox: Outbox;
  users: Pick<Users, 'localeOf' | 'isServed'>;
  /** The app's one turn runner: a task's turn gets memory, budgets, guards and approvals like a chat turn. */
  turnRunner: TurnRunner;
  approvals: { onSuspended(request: TurnRequest, suspension: Suspension): Promise<unknown> };
  registry: ToolRegistry;
}

/**
 * Background tasks, wired: the router's `task_start` tool (registered here), the runner (started and stopped with
 * the app; a stop puts running tasks back in the queue for the next start), and /tasks with its Cancel buttons.
 */
export function createAppTasks(deps: AppTasksDeps, options?: Partial<TaskOptions>) {
  const tasks = createTasks({
    store: deps.store,
    clock: deps.clock,
    log: deps.log,
    ids: deps.ids,
    outbox: deps.outbox,
    turnRunner: deps.turnRunner,
    approvals: deps.approvals,
    isServed: (userId) => deps.users.isServed(userId),
    ...(options ? { options } : {}),
  });
  deps.registry.register(createTaskTool(tasks));
  const feature: FeatureModule = {
    composer: createTasksFeature({
      tasks,
      outbox: deps.outbox,
      clock: deps.clock,
      localeOf: (userId) => deps.users.localeOf(userId),
    }),
    commands: tasksCommands,
  };
  return { tasks, feature, start: () => tasks.start(), stop: () => tasks.stop() };
}

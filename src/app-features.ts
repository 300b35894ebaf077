import { createAnalystModule } from './app-analyst.ts';
import { auditTrail } from './approvals/audit.ts';
import { createGrantStore } from './approvals/grants.ts';
import { formatTime } from './approvals/time-format.ts';
import type { Approvals } from './approvals/service.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import type { Memory } from './memory/memory.ts';
import type { Privacy } from './privacy/privacy.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { Store } from './store/db.ts';
import { resendAccessRequests } from './telegram/features/access-prompt.ts';
import { approvalsCommands, createApprovalsFeature } from './telegram/features/approvals.ts';
import { createGroupSettingsFeature } from './telegram/features/group-settings.ts';
import { createJobUndoHandlers, createJobsFeature, jobsCommands } from './telegram/features/jobs.ts';
import { createMemoryFeature, memoryCommands } from './telegram/features/memory.ts';
import { createPermissionsFeature, permissionsCommands } from './telegram/features/permissions.ts';
import { type ChatDeps, chatCommands, createChatFeature } from './telegram/features/chat.ts';
import { createMediaReader } from './telegram/features/media.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import type { TurnControl } from './telegram/intake/turn-control.ts';
import { createReplyFactory } from './telegram/reply-factory.ts';
import { createUndoFeature } from './telegram/undo.ts';
import type { ChatSettingsStore } from './users/chat-settings.ts';
import type { Users } from './users/users.ts';

/** What the Telegram features are built from (services created by createApp). */
export interface FeatureDeps {
  store: Store;
  clock: Clock;
  outbox: Outbox;
  users: Users;
  chatSettings: ChatSettingsStore;
  memory: Memory;
  privacy: Privacy;
  approvals: Approvals;
  jobs: Scheduler;
  /** /connect and /connections (src/app-secrets.ts): first, so a captured secret value is handled before anything. */
  connect?: FeatureModule;
}

/** The bot's command features (memory, jobs, undo, group settings, approvals, permissions), wired to the services. */
export function createFeatureModules(deps: FeatureDeps): FeatureModule[] {
  const { store, clock, outbox, users, chatSettings, memory, privacy, approvals, jobs } = deps;
  const jobsDeps = {
    scheduler: jobs,
    outbox,
    clock,
    nameOf: async (userId: number) => (await users.get(userId))?.firstName ?? undefined,
    timezoneOf: (userId: number) => users.timezoneOf(userId),
    localeOf: (userId: number) => users.localeOf(userId),
    chatTimezoneOf: (chatId: number) => chatSettings.timezoneOf(chatId),
  };
  return [
    ...(deps.connect ? [deps.connect] : []),
    {
      composer: createMemoryFeature({
        memory,
        outbox,
        privacy,
        timezoneOf: (userId) => users.timezoneOf(userId),
        localeOf: (userId) => users.localeOf(userId),
        auditTrail: async (chat, userId) => {
          const zone = await users.timezoneOf(userId);
          return auditTrail(await approvals.eventsForChat(chat.chatId, 50, userId), userId, (at) =>
            formatTime(at, zone, clock.now()),
          );
        },
      }),
      commands: memoryCommands,
    },
    { composer: createJobsFeature(jobsDeps), commands: jobsCommands },
    { composer: createUndoFeature({ outbox, handlers: createJobUndoHandlers(jobsDeps) }) },
    { composer: createGroupSettingsFeature({ settings: chatSettings, outbox, scheduler: jobs, clock }) },
    {
      composer: createApprovalsFeature({
        approvals,
        outbox,
        accessRequests: (to, userId) => resendAccessRequests({ users, outbox, now: () => clock.now() }, to, userId),
      }),
      commands: approvalsCommands,
    },
    {
      composer: createPermissionsFeature({
        grants: createGrantStore(store),
        outbox,
        timezoneOf: (userId) => users.timezoneOf(userId),
        localeOf: (userId) => users.localeOf(userId),
      }),
      commands: permissionsCommands,
    },
    createAnalystModule({ store, outbox }),
  ];
}

/** The chat feature (every plain message and media turn), given the intake's turn control when the bot is built. */
export function createChatModule(deps: {
  turnRunner: ChatDeps['turnRunner'];
  clock: Clock;
  users: Users;
  outbox: ChatDeps['outbox'];
  approvals: ChatDeps['approvals'];
  log: Logger;
  media: Parameters<typeof createMediaReader>[0];
}): (parts: { control: TurnControl }) => FeatureModule {
  const media = createMediaReader(deps.media);
  const createReply = createReplyFactory({ outbox: deps.outbox, clock: deps.clock, log: deps.log });
  return ({ control }) => ({
    composer: createChatFeature({
      turnRunner: deps.turnRunner,
      clock: deps.clock,
      users: deps.users,
      outbox: deps.outbox,
      media,
      control,
      createReply,
      ...(deps.approvals ? { approvals: deps.approvals } : {}),
    }),
    commands: chatCommands,
  });
}

import type { Preapproval } from './agents/preapproval.ts';
import type { ToolRegistry } from './agents/registry.ts';
import type { WrappableTurnRunner } from './agents/turn-wrappers.ts';
import type { AppTestOptions } from './app-options.ts';
import type { Config } from './config/load.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { ConversationMemory } from './core/memory.ts';
import type { Outbox } from './core/outbox.ts';
import { withLibraryContext } from './knowledge/library-context.ts';
import { createLibraryIntent } from './knowledge/library-intent.ts';
import { createLinkFetcher } from './knowledge/link-fetch.ts';
import { createLinkSaver } from './knowledge/link-saver.ts';
import { createKnowledgeTools } from './knowledge/tools.ts';
import { createTurnHits } from './knowledge/turn-hits.ts';
import type { KnowledgeBase } from './knowledge/types.ts';
import { withCitationButtons } from './telegram/features/docs-citations.ts';
import { type FileDownloaderOptions, createFileDownloader } from './telegram/features/docs-files.ts';
import { createDocsFeature, docsCommands } from './telegram/features/docs.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import type { Users } from './users/users.ts';

/**
 * The library where the user and the model meet it: the `knowledge_search` / `knowledge_save` tools, passages
 * injected for clear library questions, citation buttons under answers, and the Telegram surfaces (documents sent
 * to the bot, /save, /docs, cards). `wrapMemory` goes around the turn runner's memory when it is built; `attach`
 * registers the tools and wraps the turns once the registry, the gate and the runner exist.
 */
export function createKnowledgeChat(deps: {
  kb: KnowledgeBase;
  api: FileDownloaderOptions['api'];
  env: Config['env'];
  test: AppTestOptions;
  outbox: Outbox;
  users: Users;
  clock: Clock;
  log: Logger;
}) {
  const { kb, env, clock } = deps;
  const log = deps.log.child({ module: 'knowledge' });
  const turnHits = createTurnHits();
  const intent = createLibraryIntent();
  const links = createLinkSaver({
    kb,
    fetchLink: createLinkFetcher(deps.test.allowPrivateFetch ? { allowPrivate: true } : {}),
  });
  const feature: FeatureModule = {
    composer: createDocsFeature({
      kb,
      links,
      files: createFileDownloader({
        api: deps.api,
        token: env.TELEGRAM_BOT_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        ...(deps.test.maxFileBytes ? { maxBytes: deps.test.maxFileBytes } : {}),
      }),
      outbox: deps.outbox,
      clock,
      log,
      intent,
      timezoneOf: (userId) => deps.users.timezoneOf(userId),
    }),
    commands: docsCommands,
  };
  return {
    feature,
    wrapMemory: (memory: ConversationMemory): ConversationMemory =>
      withLibraryContext(memory, { kb, intent, turnHits, log }),
    attach(parts: { registry: ToolRegistry; preapproval: Preapproval; turnRunner: WrappableTurnRunner }): void {
      parts.registry.register(...createKnowledgeTools({ kb, links, turnHits, preapproval: parts.preapproval }));
      parts.turnRunner.wrap(withCitationButtons(turnHits));
    },
  };
}

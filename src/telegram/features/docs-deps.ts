import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { LibraryIntent } from '../../knowledge/library-intent.ts';
import type { LinkSaver } from '../../knowledge/link-saver.ts';
import type { KnowledgeBase } from '../../knowledge/types.ts';
import type { FileDownloader } from './docs-files.ts';

/** What the library's chat surfaces (documents, /save, /docs, cards, citations) are built from. */
export interface DocsFeatureDeps {
  kb: KnowledgeBase;
  links: LinkSaver;
  files: FileDownloader;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** Marks turns that reply to a document or its card, so their passages are injected. */
  intent: LibraryIntent;
  timezoneOf(userId: number): Promise<string>;
  /** Least time between progress edits (default 1.5 s). */
  progressIntervalMs?: number;
}

import type { Clock } from '../../core/clock.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';

/** What the /jobs feature needs. */
export interface JobsFeatureDeps {
  scheduler: Scheduler;
  outbox: Outbox;
  clock?: Clock;
  /** Jobs per /jobs page. Default 5. */
  pageSize?: number;
  /** A person's first name (group lists say who set each job, and who may change it). */
  nameOf?: (userId: number) => Promise<string | undefined>;
  /** The zone a person reads times in (a job in another zone shows its zone). */
  timezoneOf?: (userId: number) => Promise<string>;
  /** The language of a person's texts (default English). */
  localeOf?: (userId: number) => Promise<Locale>;
  /** A group's own time zone. */
  chatTimezoneOf?: (chatId: number) => Promise<string | undefined>;
}

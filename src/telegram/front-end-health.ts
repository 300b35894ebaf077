import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';
import type { Dispatcher } from './intake/dispatcher.ts';
import type { Polling } from './intake/polling.ts';
import type { Health } from './intake/server.ts';

/** What /healthz reports: database reachable, polling progress, queue sizes. */
export async function frontEndHealth(parts: {
  store: Store;
  clock: Clock;
  mode: Health['mode'];
  startedAt: number;
  polling: Polling | undefined;
  lastUpdateAt: number | undefined;
  dispatcher: Dispatcher;
}): Promise<Health> {
  const { store, clock, polling, lastUpdateAt, startedAt } = parts;
  let db: Health['db'] = 'ok';
  try {
    await store.get('SELECT 1 AS ok');
  } catch {
    db = 'error';
  }
  const now = clock.now();
  const lastPoll = polling?.lastPollAt();
  const pollingError = polling?.lastError();
  const s = parts.dispatcher.stats();
  return {
    ok: db === 'ok',
    mode: parts.mode,
    db,
    uptimeSeconds: Math.round((now - startedAt) / 1000),
    ...(lastPoll !== undefined
      ? { lastPollAt: new Date(lastPoll).toISOString(), lastPollAgeSeconds: Math.round((now - lastPoll) / 1000) }
      : {}),
    ...(lastUpdateAt !== undefined ? { lastUpdateAt: new Date(lastUpdateAt).toISOString() } : {}),
    ...(pollingError ? { pollingError } : {}),
    queue: { running: s.running, queued: s.queued },
  };
}

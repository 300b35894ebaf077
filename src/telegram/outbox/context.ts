import type { Logger } from '../../core/logger.ts';
import type { ApiCaller } from './api-call.ts';
import type { ChatMigrations } from './migrations.ts';
import type { TelegramApi } from './types.ts';

/** What every outbox operation shares: the API, the retrying caller, migrations, the text limit, the log. */
export interface OutboxContext {
  api: TelegramApi;
  call: ApiCaller;
  chats: ChatMigrations;
  limit: number;
  log: Logger;
}

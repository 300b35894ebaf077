import { colonSchema, keyCodec } from '../core/keys/codec.ts';

const ID = '[A-Za-z0-9_-]{1,64}';

/** A background task's turn id: `task:<taskId>` (the same for every try; memory and approvals key on it). */
export const taskTurnId = keyCodec<string>({
  name: 'task turn id',
  schema: colonSchema(new RegExp(`^task:${ID}$`), (p) => p[1]!),
  format: (id) => `task:${id}`,
});

/** The one message that ends a task (its result, failure or cancellation): `task:<taskId>:end`. */
export const taskEndKey = keyCodec<string>({
  name: 'task end key',
  schema: colonSchema(new RegExp(`^task:${ID}:end$`), (p) => p[1]!),
  format: (id) => `task:${id}:end`,
});

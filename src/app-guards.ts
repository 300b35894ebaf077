import type { AppDeps } from './app.ts';
import type { TurnProcessors } from './agents/processors.ts';
import type { UserSecrets } from './core/secrets.ts';
import { createGuards } from './guards/guards.ts';

/**
 * The processor chain around every model call (src/guards), from config/guards.json. `userSecrets` is the secret
 * store once it is wired; until then only the environment's secrets are redacted.
 */
export function createAppGuards(deps: Pick<AppDeps, 'config' | 'log'>, userSecrets?: UserSecrets): TurnProcessors {
  const { config, log } = deps;
  return createGuards({
    config: config.guards,
    env: config.env,
    log: log.child({ module: 'guards' }),
    ...(userSecrets ? { userSecrets } : {}),
  });
}

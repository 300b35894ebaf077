import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import { createConnectPrompts } from './secrets/connect-prompts.ts';
import { type SecretStore, createSecretStore } from './secrets/secret-store.ts';
import { connectCommands, createConnectFeature } from './telegram/features/connect.ts';
import { createValueCapture } from './telegram/features/connect-capture.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import type { Users } from './users/users.ts';

/** What the secrets wiring gives the app: the store (as `UserSecrets` for integrations and guards) and /connect. */
export interface SecretsModule {
  /** Per-user secrets; `get` / `values` are the `UserSecrets` port (src/core/secrets.ts). */
  secrets: SecretStore;
  /** /connect, /connections and the intake step that keeps a value out of every record. */
  feature: FeatureModule;
}

/**
 * The per-user secret store over SECRETS_KEY and its Telegram side. With SECRETS_KEY unset the bot runs as
 * usual; /connect then tells the user the owner must set it (and how).
 */
export function createSecretsModule(deps: {
  store: Parameters<typeof createSecretStore>[0]['store'];
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  secretsKey: string | undefined;
  users: Pick<Users, 'timezoneOf' | 'isServed'>;
}): SecretsModule {
  const { store, clock, outbox, users } = deps;
  const log = deps.log.child({ module: 'secrets' });
  const secrets = createSecretStore({ store, clock, key: deps.secretsKey });
  const prompts = createConnectPrompts({ store, clock });
  if (!deps.secretsKey) log.info('SECRETS_KEY is not set: /connect is off until the owner sets it');
  return {
    secrets,
    feature: {
      composer: createConnectFeature({ secrets, prompts, outbox, clock, timezoneOf: (id) => users.timezoneOf(id) }),
      commands: connectCommands,
      intercept: createValueCapture({
        prompts,
        secrets,
        log,
        now: () => clock.now(),
        isServed: (id) => users.isServed(id),
      }),
    },
  };
}

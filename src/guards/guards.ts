import type { TurnProcessors } from '../agents/processors.ts';
import type { GuardsConfig } from '../config/guards.ts';
import type { Logger } from '../core/logger.ts';
import type { UserSecrets } from '../core/secrets.ts';
import { createProcessorChain } from './chain.ts';
import { createInjectionGuard } from './injection-guard.ts';
import { createKeywordGuard } from './keyword-guard.ts';
import { createMaxToolCalls } from './max-tool-calls.ts';
import type { Processor } from './processor.ts';
import { createSecretGuard } from './secret-guard.ts';

export interface GuardsDeps {
  config: GuardsConfig;
  /** The environment whose secret variables the secret guard redacts. */
  env: Readonly<Record<string, unknown>>;
  userSecrets?: UserSecrets;
  log: Logger;
}

/**
 * The built-in processors as configured in config/guards.json, in order: the injection guard, the keyword rules, the
 * tool-call cap, the secret guard (last, so it also sees what the others rewrote).
 */
export function createGuards(deps: GuardsDeps): TurnProcessors {
  const { config, log } = deps;
  const processors: Processor[] = [];
  if (config.injection.enabled) processors.push(createInjectionGuard(config.injection, log));
  if (config.keywords.length > 0) processors.push(createKeywordGuard(config.keywords, log));
  if (config.maxToolCallsPerTurn > 0) processors.push(createMaxToolCalls(config.maxToolCallsPerTurn, log));
  if (config.secrets.enabled)
    processors.push(
      createSecretGuard({ env: deps.env, log, ...(deps.userSecrets ? { userSecrets: deps.userSecrets } : {}) }),
    );
  return createProcessorChain(processors);
}

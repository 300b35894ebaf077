import { AppError } from '../core/errors.ts';
import { type RosterNetworkOptions, createNetworkFromRoster } from './roster.ts';
import type { Agent } from './types.ts';

/** The roster's Network, built once every module has registered its tools. */
export interface RosterAgent extends Agent {
  /**
   * Builds the Network from the registry as it is now. Call once, after the last `registry.register`, before turns
   * run. Throws ConfigError listing every unknown tool or missing prompt.
   */
  resolve(): void;
}

/**
 * The roster's Network as an Agent that exists before its tools do: the turn runner is built first (the scheduler and
 * approvals hold it), the modules that need them register their tools, then `resolve()` looks the tools up by name.
 */
export function createRosterAgent(options: RosterNetworkOptions): RosterAgent {
  let network: Agent | undefined;
  const built = (): Agent => {
    if (!network) throw new AppError('internal', 'The agents ran before their tools were resolved');
    return network;
  };
  return {
    name: 'router',
    get description() {
      return built().description;
    },
    resolve() {
      if (network) throw new Error('The roster Network is already resolved');
      network = createNetworkFromRoster(options);
    },
    run: (input, ctx) => built().run(input, ctx),
    resume: (snapshot, resolutions, ctx) => built().resume(snapshot, resolutions, ctx),
  };
}

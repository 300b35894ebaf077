import type { Agent } from './types.ts';

/**
 * An agent that sees only its task: the user's facts, recalled messages (the system context) and the earlier turns
 * are withheld. For agents whose tools the approval gate never sees (Gemini's built-in search and URL context): what
 * they don't receive, injected text can't make them put into a URL. Attachments of the turn still reach it.
 */
export function withoutMemory(agent: Agent): Agent {
  return {
    name: agent.name,
    description: agent.description,
    ...(agent.untrusted ? { untrusted: true } : {}),
    run: (input, ctx) => agent.run({ ...input, history: [], systemContext: '' }, ctx),
    // A suspended frame holds only what `run` was given, so resuming adds nothing back.
    resume: (snapshot, resolutions, ctx) => agent.resume(snapshot, resolutions, ctx),
  };
}

import type { GateCall, ToolContext } from './tool.ts';

/**
 * Lets a tool ask, while it runs, whether a call it is about to make on the user's behalf would pass the approval gate
 * without a person: e.g. `http_fetch` before following a redirect to another host. Never prompts and never suspends;
 * `false` means "a person would have to approve this", so the tool stops and tells the model instead.
 * The approvals gate implements it (policy + the user's "Always allow" grants).
 */
export interface Preapproval {
  allowsWithoutAsking(
    call: GateCall,
    ctx: Pick<ToolContext, 'userId' | 'chat' | 'log'> & Partial<Pick<ToolContext, 'turnReadUntrusted' | 'taint'>>,
  ): Promise<boolean>;
}

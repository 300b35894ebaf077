import type { GateCall, GateDecision, ToolContext, ToolGate } from '../agents/tool.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import type { ApprovalPolicy } from './policy.ts';
import { summarizeArgs } from './prompt.ts';

/** What the gate puts into `PendingCall.payload` for an approval (read back by the approvals service). */
export interface ApprovalTerms {
  timeoutMs: number;
  scheduledTimeoutMs: number;
  fallback: 'deny' | 'approve';
  allowAlways: boolean;
  summary: string;
  reason: string;
}

export interface ApprovalGateDeps {
  policy: ApprovalPolicy;
  store: Store;
  log?: Logger;
  /**
   * What the call's arguments refer to, for the prompt (e.g. the reminder behind a `schedule_delete` id); the raw
   * arguments are shown under it. Undefined or a failure leaves just the arguments.
   */
  describe?: (call: GateCall, ctx: ToolContext) => Promise<string | undefined>;
}

/** True when "Always allow in this chat" was granted for this tool in this chat. */
export async function hasGrant(store: Store, chatId: number, tool: string): Promise<boolean> {
  const row = await store.get('SELECT 1 AS ok FROM approval_grants WHERE chat_id = ? AND tool = ?', [chatId, tool]);
  return row !== undefined;
}

/**
 * The ToolGate: asks the policy about each call; calls that need approval suspend the run with the terms
 * (timeout, fallback, allowAlways, summary) unless this chat has an "always allow" grant for the tool.
 * A policy evaluation error requires approval (fail closed); a store error throws, which the loop also treats as suspend.
 */
export function createApprovalGate(deps: ApprovalGateDeps): ToolGate {
  return {
    async check(call, ctx): Promise<GateDecision> {
      const verdict = deps.policy.evaluate(call.tool, call.args);
      if (!verdict.required) return { action: 'allow' };
      if (verdict.error) deps.log?.warn({ tool: call.tool, error: verdict.error }, 'approval policy evaluation failed; asking');
      if (verdict.allowAlways && (await hasGrant(deps.store, ctx.chat.chatId, call.tool))) {
        ctx.log.info({ tool: call.tool, chat_id: ctx.chat.chatId }, 'tool call allowed by an "always allow" grant');
        return { action: 'allow' };
      }
      let summary = summarizeArgs(call.args);
      try {
        const described = await deps.describe?.(call, ctx);
        if (described?.trim()) summary = `${described.trim()}\n${summary}`;
      } catch (err) {
        deps.log?.warn({ tool: call.tool, err: toError(err) }, 'could not describe the call; showing its arguments');
      }
      const terms: ApprovalTerms = {
        timeoutMs: verdict.timeoutMs,
        scheduledTimeoutMs: verdict.scheduledTimeoutMs,
        fallback: verdict.fallback,
        allowAlways: verdict.allowAlways,
        summary,
        reason: verdict.reason,
      };
      return { action: 'suspend', payload: { ...terms } };
    },
  };
}

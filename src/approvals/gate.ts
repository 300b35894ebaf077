import type { GateDecision, ToolGate } from '../agents/tool.ts';
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
      const terms: ApprovalTerms = {
        timeoutMs: verdict.timeoutMs,
        scheduledTimeoutMs: verdict.scheduledTimeoutMs,
        fallback: verdict.fallback,
        allowAlways: verdict.allowAlways,
        summary: summarizeArgs(call.args),
        reason: verdict.reason,
      };
      return { action: 'suspend', payload: { ...terms } };
    },
  };
}

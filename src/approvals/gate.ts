import type { Preapproval } from '../agents/preapproval.ts';
import type { GateCall, GateDecision, TaintSource, Tool, ToolContext, ToolGate } from '../agents/tool.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import { type GrantStore, createGrantStore } from './grants.ts';
import type { Confirmation } from './confirmation.ts';
import type { ApprovalPolicy, PolicyVerdict } from './policy.ts';
import { summarizeArgs } from './arg-summary.ts';
import { taintSourcesFor } from './taint-rule.ts';

/** What the gate puts into `PendingCall.payload` for an approval (read back by the approvals service). */
export interface ApprovalTerms {
  timeoutMs: number;
  scheduledTimeoutMs: number;
  fallback: 'deny' | 'approve';
  allowAlways: boolean;
  /** What "Always allow" would grant (a host or an argument value), shown on the button; set with `allowAlways`. */
  grantTarget?: string;
  summary: string;
  reason: string;
  /** What the call refers to, in words (from `describe`), without the raw arguments. */
  described?: string;
  /** The tool's own confirmation words (from `confirm`); the prompt falls back to plain defaults. */
  confirm?: Confirmation;
  /** Whether untrusted content had entered the turn before this call (unset counts as yes). */
  turnReadUntrusted: boolean;
  /** Set when the taint rule asks: where the untrusted content that preceded this call came from. */
  taintSources?: TaintSource[];
}

export interface ApprovalGateDeps {
  policy: ApprovalPolicy;
  store: Store;
  log?: Logger;
  /**
   * The tool a call names, so it can describe itself for the prompt (`Tool.describeForApproval`); a tool that doesn't,
   * or fails to, leaves the call's arguments and the plain confirmation words.
   */
  toolNamed?: (name: string) => Tool | undefined;
  /** The requester's language, for the tool's words in the prompt. Default English. */
  localeOf?: (userId: number) => Promise<Locale>;
}

/** The terms that come from the policy (or the taint rule), before the call's own words are added. */
type PolicyTerms = Omit<ApprovalTerms, 'summary' | 'described' | 'confirm' | 'turnReadUntrusted'>;

/** The approvals gate: a ToolGate for the agent loop and a Preapproval for tools that act on derived calls. */
export type ApprovalGate = ToolGate & Preapproval;

/**
 * The ToolGate: asks the policy about each call; calls that need approval suspend the run with the terms
 * (timeout, fallback, allowAlways + grant target, summary) unless the requesting user holds an "Always allow" grant
 * for this tool and target (a grant belongs to one user and never to a whole chat).
 * A policy evaluation error requires approval (fail closed); a store error throws, which the loop also treats as suspend.
 */
export function createApprovalGate(deps: ApprovalGateDeps): ApprovalGate {
  const grants: GrantStore = createGrantStore(deps.store);

  /** True when the user's grant covers this call (only while the rule still offers "Always allow"). */
  async function granted(verdict: PolicyVerdict, call: GateCall, userId: number): Promise<boolean> {
    if (!verdict.required || !verdict.allowAlways || verdict.grantTarget === undefined) return false;
    return grants.has(userId, call.tool, verdict.grantTarget);
  }

  /** The tool's own words for the call; a failure leaves the arguments and the plain words. */
  async function describe(call: GateCall, ctx: ToolContext): Promise<{ described?: string; confirm?: Confirmation }> {
    try {
      const describe = deps.toolNamed?.(call.tool)?.describeForApproval;
      if (!describe) return {};
      const locale = (await deps.localeOf?.(ctx.userId)) ?? 'en';
      const own = await describe(call.args, { ...ctx, locale });
      const described = own?.details?.trim() || undefined;
      return { ...(described ? { described } : {}), ...(own?.confirm ? { confirm: own.confirm } : {}) };
    } catch (err) {
      deps.log?.warn({ tool: call.tool, err: toError(err) }, 'could not describe the call; showing its arguments');
      return {};
    }
  }

  /**
   * A fresh approval after untrusted text: the policy's timeouts when it has a rule (its reason too), never
   * "Always allow", and nothing goes ahead without a person's tap.
   */
  function freshTerms(verdict: PolicyVerdict & { error?: string }, sources: readonly TaintSource[]): PolicyTerms {
    const d = deps.policy.config.defaults;
    return {
      timeoutMs: verdict.required ? verdict.timeoutMs : d.timeout,
      scheduledTimeoutMs: verdict.required ? verdict.scheduledTimeoutMs : d.scheduledTimeout,
      fallback: 'deny',
      allowAlways: false,
      reason: verdict.required && !verdict.error ? verdict.reason : '',
      taintSources: [...sources],
    };
  }

  async function suspend(call: GateCall, ctx: ToolContext, policy: PolicyTerms): Promise<GateDecision> {
    if (policy.taintSources)
      ctx.log.info({ tool: call.tool, sources: policy.taintSources.length }, 'call after untrusted text: asking');
    const { described, confirm } = await describe(call, ctx);
    const args = summarizeArgs(call.args);
    const summary = described ? (args ? `${described}\n${args}` : described) : args;
    const terms: ApprovalTerms = {
      ...policy,
      summary,
      ...(described ? { described } : {}),
      ...(confirm ? { confirm } : {}),
      turnReadUntrusted: policy.taintSources !== undefined || ctx.turnReadUntrusted !== false,
    };
    return { action: 'suspend', payload: { ...terms } };
  }

  return {
    async check(call, ctx): Promise<GateDecision> {
      const verdict = deps.policy.evaluate(call.tool, call.args);
      const tainted = taintSourcesFor(deps.toolNamed?.(call.tool), call.args, ctx);
      if (tainted) return suspend(call, ctx, freshTerms(verdict, tainted));
      if (!verdict.required) return { action: 'allow' };
      if (verdict.error)
        deps.log?.warn({ tool: call.tool, error: verdict.error }, 'approval policy evaluation failed; asking');
      if (await granted(verdict, call, ctx.userId)) {
        ctx.log.info({ tool: call.tool, user_id: ctx.userId }, 'tool call allowed by an "always allow" grant');
        return { action: 'allow' };
      }
      return suspend(call, ctx, {
        timeoutMs: verdict.timeoutMs,
        scheduledTimeoutMs: verdict.scheduledTimeoutMs,
        fallback: verdict.fallback,
        allowAlways: verdict.allowAlways,
        ...(verdict.grantTarget !== undefined ? { grantTarget: verdict.grantTarget } : {}),
        reason: verdict.reason,
      });
    },

    async allowsWithoutAsking(call, ctx) {
      if (taintSourcesFor(deps.toolNamed?.(call.tool), call.args, ctx)) return false;
      const verdict = deps.policy.evaluate(call.tool, call.args);
      if (!verdict.required) return true;
      if (await granted(verdict, call, ctx.userId)) {
        ctx.log.info({ tool: call.tool, user_id: ctx.userId }, 'derived call allowed by an "always allow" grant');
        return true;
      }
      return false;
    },
  };
}

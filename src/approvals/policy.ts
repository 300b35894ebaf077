import type { ApprovalsConfig, ArgTest, Condition, GrantScope, ToolPolicy } from './policy-schema.ts';

/** What the policy says about one call. `timeoutMs` already accounts for scheduled runs when asked. */
export type PolicyVerdict =
  | { required: false }
  | {
      required: true;
      timeoutMs: number;
      scheduledTimeoutMs: number;
      fallback: 'deny' | 'approve';
      /** True only when the rule offers "Always allow" and the call has a target a grant can name (`grantTarget`). */
      allowAlways: boolean;
      /** What an "Always allow" grant for this call covers (a host, or an argument value); set with `allowAlways`. */
      grantTarget?: string;
      /** Why approval is needed, for the prompt. */
      reason: string;
    };

/** Approvals policy: pure evaluation of config/approvals.json against a call. */
export interface ApprovalPolicy {
  readonly config: ApprovalsConfig;
  /** The rule that applies to a tool (exact name, then the first matching pattern), or undefined (never). */
  ruleFor(tool: string): ToolPolicy | undefined;
  /** Evaluates the rule. Never throws: an evaluation error requires approval (fail closed). */
  evaluate(tool: string, args: Record<string, unknown>): PolicyVerdict & { error?: string };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function readPath(args: Record<string, unknown>, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** The lower-cased host of an http(s) URL. Throws for anything else, so host conditions fail closed. */
export function hostOf(value: unknown, arg: string): string {
  if (typeof value !== 'string') throw new Error(`argument "${arg}" is not a URL string`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`argument "${arg}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`argument "${arg}" is not an http(s) URL`);
  return url.hostname.toLowerCase().replace(/\.$/, '');
}

/** `example.com` matches exactly that host; `*.example.com` matches any subdomain (not the apex). */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    return host.length > base.length && host.endsWith(`.${base}`);
  }
  return host === pattern;
}

/** Longest argument value a grant may name; longer values get no "Always allow". */
const MAX_GRANT_TARGET_CHARS = 200;

/**
 * The target an "Always allow" grant for this call would cover: the lower-cased host of a URL argument, or an
 * argument's exact value. Undefined when it can't be computed (missing, not a URL, too long): then no grant is offered.
 */
export function grantTargetOf(scope: GrantScope, args: Record<string, unknown>): string | undefined {
  const value = readPath(args, scope.arg);
  if (scope.as === 'host') {
    try {
      return hostOf(value, scope.arg);
    } catch {
      return undefined;
    }
  }
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value.trim() : JSON.stringify(value);
  return text && text.length <= MAX_GRANT_TARGET_CHARS ? text : undefined;
}

function asNumber(value: unknown, arg: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`argument "${arg}" is not a number`);
  return value;
}

function testArg(test: ArgTest, args: Record<string, unknown>): boolean {
  const value = readPath(args, test.arg);
  if (test.exists !== undefined) return (value !== undefined) === test.exists;
  if (test.equals !== undefined) return deepEqual(value, test.equals);
  if (test.notEquals !== undefined) return !deepEqual(value, test.notEquals);
  if (test.in !== undefined) return test.in.some((v) => deepEqual(value, v));
  if (test.notIn !== undefined) return !test.notIn.some((v) => deepEqual(value, v));
  if (test.contains !== undefined) {
    if (typeof value === 'string') return value.toLowerCase().includes(test.contains.toLowerCase());
    if (Array.isArray(value)) return value.some((v) => v === test.contains);
    throw new Error(`argument "${test.arg}" is neither text nor a list`);
  }
  if (test.startsWith !== undefined) {
    if (typeof value !== 'string') throw new Error(`argument "${test.arg}" is not text`);
    return value.startsWith(test.startsWith);
  }
  if (test.gt !== undefined) return asNumber(value, test.arg) > test.gt;
  if (test.lt !== undefined) return asNumber(value, test.arg) < test.lt;
  if (test.matchesHost !== undefined) {
    const host = hostOf(value, test.arg);
    return test.matchesHost.some((p) => hostMatches(host, p));
  }
  if (test.notMatchesHost !== undefined) {
    const host = hostOf(value, test.arg);
    return !test.notMatchesHost.some((p) => hostMatches(host, p));
  }
  throw new Error('condition has no operator');
}

/** Evaluates a condition against tool arguments. Throws on type mismatches (callers fail closed). */
export function evaluateCondition(condition: Condition, args: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, args));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, args));
  if ('not' in condition) return !evaluateCondition(condition.not, args);
  return testArg(condition, args);
}

function defaultReason(tool: string, rule: ToolPolicy | undefined): string {
  if (rule?.reason) return rule.reason;
  if (rule?.mode === 'when') return `This ${tool} call matches a rule that needs your approval.`;
  return `${tool} needs your approval.`;
}

/** Builds the policy from the validated config. */
export function createApprovalPolicy(config: ApprovalsConfig): ApprovalPolicy {
  const exact = new Map<string, ToolPolicy>();
  const patterns: { re: RegExp; rule: ToolPolicy }[] = [];
  for (const [key, rule] of Object.entries(config.tools)) {
    if (key.includes('*')) patterns.push({ re: globToRegExp(key), rule });
    else exact.set(key, rule);
  }

  function ruleFor(tool: string): ToolPolicy | undefined {
    return exact.get(tool) ?? patterns.find((p) => p.re.test(tool))?.rule;
  }

  function required(tool: string, rule: ToolPolicy | undefined, args: Record<string, unknown>): PolicyVerdict {
    const timeoutMs = rule?.timeout ?? config.defaults.timeout;
    const grantTarget = rule?.allowAlways && rule.allowAlwaysFor ? grantTargetOf(rule.allowAlwaysFor, args) : undefined;
    return {
      required: true,
      timeoutMs,
      scheduledTimeoutMs: Math.min(timeoutMs, rule?.scheduledTimeout ?? config.defaults.scheduledTimeout),
      fallback: rule?.fallback ?? config.defaults.fallback,
      allowAlways: grantTarget !== undefined,
      ...(grantTarget !== undefined ? { grantTarget } : {}),
      reason: defaultReason(tool, rule),
    };
  }

  return {
    config,
    ruleFor,
    evaluate(tool, args) {
      let rule: ToolPolicy | undefined;
      try {
        rule = ruleFor(tool);
        if (!rule || rule.mode === 'never') return { required: false };
        if (rule.mode === 'always') return required(tool, rule, args);
        if (!rule.when) throw new Error('mode "when" without a condition');
        return evaluateCondition(rule.when, args) ? required(tool, rule, args) : { required: false };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // Without arguments no grant target exists, so this never offers "Always allow".
        return {
          ...required(tool, rule, {}),
          allowAlways: false,
          reason: `I couldn't check the approval rule for ${tool} (${message}), so it needs your approval.`,
          error: message,
        };
      }
    },
  };
}

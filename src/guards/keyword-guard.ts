import type { ProcessorVerdict } from '../agents/processors.ts';
import type { GuardHook, KeywordRule } from '../config/guards.ts';
import type { Logger } from '../core/logger.ts';
import { REDACTED } from '../core/scrub.ts';
import { guardsTexts } from './guards-texts.ts';
import { mapRecordStrings, someString } from './json-strings.ts';
import { PASS, type Processor } from './processor.ts';

const NAME = 'keywords';
/** How much streamed text is held back when an output rule redacts (a match longer than this may flash by). */
const KEYWORD_HOLD_BACK = 64;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface CompiledRule {
  name: string;
  re: RegExp;
  action: KeywordRule['action'];
  on: Set<GuardHook>;
}

/** A rule as one regular expression: keywords as whole words (any script), or the pattern, case-insensitive. */
export function compileRule(rule: KeywordRule): CompiledRule {
  const sources: string[] = [];
  if (rule.keywords && rule.keywords.length > 0)
    sources.push(`(?<![\\p{L}\\p{N}_])(?:${rule.keywords.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`);
  if (rule.pattern) sources.push(`(?:${rule.pattern})`);
  return { name: rule.name, re: new RegExp(sources.join('|'), 'giu'), action: rule.action, on: new Set(rule.on) };
}

function matches(rule: CompiledRule, text: string): boolean {
  rule.re.lastIndex = 0;
  return rule.re.test(text);
}

/**
 * The keyword / content guard: the owner's rules from config/guards.json, each on the user's message, tool results
 * and/or the answer. `redact` replaces the match with [REDACTED]; `block` stops the turn with a message. Logs name
 * the rule, never the text.
 */
export function createKeywordGuard(rules: KeywordRule[], log: Logger): Processor {
  const compiled = rules.map(compileRule);
  const on = (hook: GuardHook) => compiled.filter((r) => r.on.has(hook));
  const inputRules = on('input');
  const resultRules = on('toolResult');
  const outputRules = on('output');
  const outputRedactions = outputRules.filter((r) => r.action === 'redact');
  const redact = (list: CompiledRule[], text: string) =>
    list.reduce((t, r) => (r.action === 'redact' ? t.replace(r.re, REDACTED) : t), text);

  return {
    name: NAME,
    begin(turn) {
      const t = guardsTexts(turn.locale);
      const blockedReason = { input: t.blockedInput, toolResult: t.blockedToolResult, output: t.blockedOutput };
      /** The verdict of `list` on a text (input and output). */
      function onText(hook: 'input' | 'output', list: CompiledRule[], text: string): ProcessorVerdict<string> {
        const hit = list.filter((r) => matches(r, text));
        if (hit.length === 0) return PASS;
        log.warn({ turnId: turn.turnId, hook, rules: hit.map((r) => r.name) }, 'keyword rule matched');
        if (hit.some((r) => r.action === 'block'))
          return { action: 'halt', reason: blockedReason[hook], note: { processor: NAME, hook, action: 'halt' } };
        return { action: 'rewrite', value: redact(hit, text), notes: [{ processor: NAME, hook, action: 'redact' }] };
      }
      return {
        ...(outputRedactions.length > 0
          ? { redact: (text: string) => redact(outputRedactions, text), holdBack: KEYWORD_HOLD_BACK }
          : {}),
        ...(inputRules.length > 0 ? { input: (text: string) => onText('input', inputRules, text) } : {}),
        ...(outputRules.length > 0 ? { output: (text: string) => onText('output', outputRules, text) } : {}),
        ...(resultRules.length > 0
          ? {
              toolResult(call, response): ProcessorVerdict<Record<string, unknown>> {
                const hit = resultRules.filter((r) => someString(response, (s) => matches(r, s)));
                if (hit.length === 0) return PASS;
                const rules = hit.map((r) => r.name);
                log.warn({ turnId: turn.turnId, hook: 'toolResult', tool: call.tool, rules }, 'keyword rule matched');
                const hook = 'toolResult' as const;
                if (hit.some((r) => r.action === 'block'))
                  return {
                    action: 'halt',
                    reason: blockedReason[hook],
                    note: { processor: NAME, hook, action: 'halt' },
                  };
                const value = mapRecordStrings(response, (s) => redact(hit, s));
                return { action: 'rewrite', value, notes: [{ processor: NAME, hook, action: 'redact' }] };
              },
            }
          : {}),
      };
    },
  };
}

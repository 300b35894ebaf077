import { INJECTION_PATTERNS } from './injection-patterns.ts';
import { normalForms } from './normalize.ts';

/** What the detector found: the names of the patterns that matched (empty when none). */
export interface InjectionFinding {
  hit: boolean;
  patterns: string[];
}

const NONE: InjectionFinding = Object.freeze({ hit: false, patterns: [] }) as InjectionFinding;

/** Texts longer than this are checked in their first and last parts only (the cost stays bounded). */
const MAX_CHECKED = 200_000;

/**
 * The multilingual heuristic detector: does `text` read like instructions aimed at the model (ignore previous
 * instructions, you are now…, system prompt, tool-call bait) in English, Russian, Ukrainian, German, French, Spanish,
 * Italian, Portuguese, Chinese or Japanese? Spelling tricks are normalised first (normalize.ts). A heuristic: it
 * misses paraphrases and is a signal, not the defence (the defence is that untrusted text cannot act).
 */
export function detectInjection(text: string): InjectionFinding {
  if (text.length < 8) return NONE;
  const checked =
    text.length > MAX_CHECKED ? `${text.slice(0, MAX_CHECKED / 2)}\n${text.slice(-MAX_CHECKED / 2)}` : text;
  const forms = normalForms(checked);
  const patterns: string[] = [];
  for (const p of INJECTION_PATTERNS) if (p.re.test(forms[p.form])) patterns.push(p.name);
  return patterns.length > 0 ? { hit: true, patterns } : NONE;
}

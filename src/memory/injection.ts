/**
 * Filters candidate facts that look like prompt injection or instructions to the assistant. Facts are injected
 * into the system prompt later, so anything that reads like a directive is refused (Oasis's list plus more).
 */
const SUBSTRINGS = [
  '[system',
  '[assistant',
  '[developer',
  '<|im_start|>',
  '<|im_end|>',
  '<|system|>',
  '<<sys>>',
  '[inst]',
  'ignore previous',
  'ignore all previous',
  'ignore all prior',
  'ignore prior',
  'ignore above',
  'ignore the above',
  'ignore your',
  'ignore any',
  'forget your instructions',
  'forget all previous',
  'new instructions',
  'system prompt',
  'system message',
  'developer mode',
  'jailbreak',
  'disregard',
  'you are now',
  'you must now',
  'from now on',
  'act as',
  'pretend to be',
  'override',
  'reveal your',
  'reveal the',
  'your instructions',
  'your rules',
];

const PATTERNS = [
  /^\s*(system|assistant|user|model|developer)\s*:/im,
  /\b(the )?(assistant|bot|ai|model|you)\s+(must|should|shall|has to|have to|needs? to|will always|will never|always|never)\b/i,
  /\b(always|never)\s+(respond|reply|answer|say|use|call|tell|output)\b/i,
  /\b(do not|don't)\s+(tell|mention|reveal|follow)\b/i,
  /\bprompt\s*injection\b/i,
];

/** True when `text` looks like an instruction aimed at the assistant rather than a fact about the user. */
export function looksLikeInjection(text: string): boolean {
  const lower = text.toLowerCase();
  if (SUBSTRINGS.some((s) => lower.includes(s))) return true;
  return PATTERNS.some((p) => p.test(text));
}

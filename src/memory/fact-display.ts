/**
 * Facts are stored in the third person ("User works as a nurse"), which is what the model reads best. Shown to the
 * user they become plain sentences about "you" ("You work as a nurse"). Pure, no model call.
 */

const IRREGULAR: Record<string, string> = {
  is: 'are',
  was: 'were',
  has: 'have',
  does: 'do',
  goes: 'go',
  "isn't": "aren't",
  "wasn't": "weren't",
  "hasn't": "haven't",
  "doesn't": "don't",
  'isn’t': 'aren’t',
  'wasn’t': 'weren’t',
  'hasn’t': 'haven’t',
  'doesn’t': 'don’t',
};

/** Verbs common in facts, for the places where a word ending in "s" might not be a verb ("… and works as …"). */
const KNOWN_VERBS = new Set([
  'is',
  'was',
  'has',
  'does',
  'goes',
  'works',
  'lives',
  'likes',
  'loves',
  'prefers',
  'wants',
  'needs',
  'plays',
  'enjoys',
  'hates',
  'dislikes',
  'speaks',
  'studies',
  'owns',
  'uses',
  'runs',
  'drives',
  'eats',
  'drinks',
  'reads',
  'writes',
  'takes',
  'keeps',
  'teaches',
  'watches',
  'plans',
  'knows',
  'travels',
  'visits',
  'attends',
  'avoids',
  'cooks',
  'walks',
  'wakes',
  'sleeps',
  'goes',
  'gets',
  'makes',
  'tries',
  'feels',
  'thinks',
  'believes',
  'hopes',
  'learns',
  'practises',
  'practices',
  'collects',
  'follows',
  'supports',
  'manages',
  'leads',
  'builds',
  'designs',
  'develops',
  'tends',
]);

const ADVERBS = new Set([
  'often',
  'usually',
  'always',
  'never',
  'sometimes',
  'also',
  'still',
  'currently',
  'really',
  'mostly',
  'rarely',
  'regularly',
  'only',
  'just',
  'already',
  'now',
  'generally',
  'typically',
  'frequently',
  'occasionally',
  'strongly',
  'no',
  'not',
  'longer',
]);

/** A third-person-singular verb in its "you" form ("works" → "work"); other words unchanged. */
function baseForm(word: string): string {
  const lower = word.toLowerCase();
  const irregular = IRREGULAR[lower];
  if (irregular) return irregular;
  if (!/^[a-z]+s$/.test(lower) || lower.length < 3 || lower.endsWith('ss') || lower.endsWith('us')) return word;
  if (/[^aeiou]ies$/.test(lower) && lower.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|ch|sh|x|zz|o)es$/.test(lower)) return word.slice(0, -2);
  return word.slice(0, -1);
}

/** Conjugates the first verb of `rest` (after a few adverbs) for "you". */
function conjugate(rest: string): string {
  const words = rest.split(' ');
  for (let i = 0; i < Math.min(words.length, 4); i++) {
    const w = words[i] as string;
    if (ADVERBS.has(w.toLowerCase())) continue;
    words[i] = baseForm(w);
    break;
  }
  return words.join(' ');
}

/** "… and works as …" → "… and work as …", for verbs we know. */
function conjugateJoined(text: string): string {
  return text.replace(/\b(and|but|or)\s+([A-Za-z’']+)/g, (m, conj: string, verb: string) =>
    KNOWN_VERBS.has(verb.toLowerCase()) ? `${conj} ${baseForm(verb)}` : m,
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A stored fact as a sentence addressed to the user: "User works as a nurse" → "You work as a nurse",
 * "User's dog is called Pixel" → "Your dog is called Pixel", "Tom is the user's brother" → "Tom is your brother",
 * "Lives in Berlin" → "You live in Berlin". Text that names no user is returned as it is.
 */
export function factForDisplay(text: string): string {
  let t = text.trim().replace(/\s+/g, ' ');
  if (!t) return t;
  const possessive = /^(?:the\s+)?user(?:'s|’s|s')\s+/i.exec(t);
  const subject = /^(?:the\s+)?user\s+/i.exec(t);
  if (possessive) {
    t = `Your ${t.slice(possessive[0].length)}`;
  } else if (subject) {
    t = `You ${conjugateJoined(conjugate(t.slice(subject[0].length)))}`;
  } else {
    const first = t.split(' ')[0] ?? '';
    if (KNOWN_VERBS.has(first.toLowerCase()))
      t = `You ${conjugateJoined(conjugate(t.charAt(0).toLowerCase() + t.slice(1)))}`;
  }
  t = t
    .replace(/\bthe user(?:'s|’s)(?=\s)/gi, 'your')
    .replace(/\bUser(?:'s|’s)(?=\s)/g, 'your')
    .replace(/\bthe user\b/gi, 'you')
    .replace(/\bUser\b/g, 'you');
  return capitalize(t);
}

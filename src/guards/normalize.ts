/**
 * Normal forms of a text for the injection detector, so spelling tricks don't hide a phrase: Unicode compatibility
 * forms (full-width, ligatures, styled letters), case, invisible characters (zero-width, soft hyphen, bidi controls),
 * look-alike letters from another script, digits standing for letters, and runs of whitespace or separators.
 */

/** Zero-width and format characters that split words invisibly. */
const INVISIBLE = /\p{Cf}|\u034F|\u115F|\u1160|\u17B4|\u17B5|\u180B|\u180C|\u180D|\u3164/gu;
const MARKS = /\p{M}+/gu;
/** The spaces of a spelled-out word ("i g n o r e"): between two one-letter words. */
const SPELLED_OUT = /(?<=\b\p{L}) (?=\p{L}\b)/gu;
/** Separators inside or between words ("i.g.n.o.r.e", "ignore---previous"): become one space. */
const SEPARATORS = /[\s_*~`|"'«»“”„‘’.,:;!?()[\]{}<>\\/-]+/g;

/** Cyrillic and Greek letters that look like Latin ones. */
const TO_LATIN: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

/** Latin letters that look like Cyrillic ones (for Russian and Ukrainian phrases). */
const TO_CYRILLIC: Record<string, string> = {
  a: 'а',
  b: 'в',
  e: 'е',
  k: 'к',
  m: 'м',
  h: 'н',
  o: 'о',
  p: 'р',
  c: 'с',
  t: 'т',
  y: 'у',
  x: 'х',
  i: 'і',
  ё: 'е',
  '0': 'о',
  '3': 'з',
  '6': 'б',
};

const LATIN_LOOKALIKES = new RegExp(
  `[${Object.keys(TO_LATIN)
    .join('')
    .replace(/[$\]\\^-]/g, '\\$&')}]`,
  'g',
);
const CYRILLIC_LOOKALIKES = new RegExp(`[${Object.keys(TO_CYRILLIC).join('')}]`, 'g');
const ASCII = /^[\x00-\x7f]*$/;

function base(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
}

/** The forms the detector matches against. */
export interface NormalForms {
  /** Latin script: look-alikes and digits mapped to Latin letters, accents dropped. */
  latin: string;
  /** Cyrillic script: look-alikes mapped to Cyrillic letters. */
  cyrillic: string;
  /** Case and invisible characters only (for scripts without spaces, e.g. Chinese and Japanese). */
  plain: string;
}

/** Normalises `text` once for every phrase list. Plain ASCII (most texts) takes a short path. */
export function normalForms(text: string): NormalForms {
  const ascii = ASCII.test(text);
  const plain = ascii ? text.toLowerCase() : base(text);
  const words = plain.replace(SEPARATORS, ' ');
  const latinWords = ascii ? words : words.normalize('NFD').replace(MARKS, '');
  const latin = latinWords
    .replace(LATIN_LOOKALIKES, (ch) => TO_LATIN[ch] ?? ch)
    .replace(SEPARATORS, ' ')
    .replace(SPELLED_OUT, '');
  // Russian and Ukrainian phrases need Cyrillic letters; an ASCII text has none to disguise.
  const cyrillic = ascii ? '' : words.replace(CYRILLIC_LOOKALIKES, (ch) => TO_CYRILLIC[ch] ?? ch);
  return { latin, cyrillic, plain: plain.replace(/\s+/g, '') };
}

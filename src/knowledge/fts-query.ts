/**
 * Turns a user's question into safe FTS5 MATCH expressions. Every term is a quoted string of word characters only
 * (the unicode61 tokenizer's letters, digits and marks), so no FTS5 syntax (AND, NEAR, column filters, `*`, quotes,
 * parentheses) can come from the user. A word the tokenizer would cut into several tokens (`INV-2024-0042`,
 * `user@example.com`, `3.14`) becomes a phrase, so an identifier matches only in its own order. Common words are
 * dropped when anything else is left.
 */

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into is it its me my no not ' +
    'of on or our please show so than that the their them then there these they this to was we were what when where ' +
    'which who whom why will with would you your about tell find document documents doc docs file files ' +
    'и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня ' +
    'еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там ' +
    'потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтобы без будто чего раз тоже ' +
    'себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем нее ' +
    'сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про ' +
    'всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им ' +
    'более всегда конечно всю между документ документы документе документах файл файле мои моих'
  ).split(' '),
);

/** Word characters as unicode61 sees them (letters, digits, marks, private use). */
const TOKEN = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** At most this many terms are searched (a pasted paragraph must not become a huge query). */
const MAX_TERMS = 12;

/** One searchable term: a quoted word or phrase, ready for MATCH. */
export type FtsTerm = string;

/** The query's terms, in order, without duplicates; common words only when nothing else is left. */
export function ftsTerms(query: string): FtsTerm[] {
  const terms: { text: string; stop: boolean }[] = [];
  const seen = new Set<string>();
  for (const word of query.split(/\s+/)) {
    const tokens = (word.normalize('NFKC').match(TOKEN) ?? []).map((t) => t.toLowerCase());
    if (tokens.length === 0) continue;
    const text = tokens.join(' ');
    if (seen.has(text)) continue;
    seen.add(text);
    terms.push({ text, stop: tokens.length === 1 && (STOPWORDS.has(text) || text.length < 2) });
  }
  const useful = terms.filter((t) => !t.stop);
  return (useful.length > 0 ? useful : terms).slice(0, MAX_TERMS).map((t) => `"${t.text}"`);
}

/** Rows matching any of the terms (ranked by bm25: rare terms weigh most). */
export function matchAny(terms: readonly FtsTerm[]): string {
  return terms.join(' OR ');
}

/** Rows matching all of the terms. */
export function matchAll(terms: readonly FtsTerm[]): string {
  return terms.join(' AND ');
}

/**
 * The prefix that names a library inside every indexed token (hex and a `z`, so no scope can collide with another
 * and no word can end the prefix early). Each library thus has its own terms and postings in the one FTS5 index: a
 * query reads only its library's postings, and never the long list of a per-library token.
 */
export function libraryToken(scope: string): string {
  return `l${Buffer.from(scope, 'utf8').toString('hex')}z`;
}

/** The text as indexed for a library: its words (as the query side cuts them) each prefixed with the library's token. */
export function indexText(scope: string, text: string): string {
  const prefix = libraryToken(scope);
  const words = text.normalize('NFKC').match(TOKEN) ?? [];
  let out = '';
  for (const w of words) out += `${out === '' ? '' : ' '}${prefix}${w.toLowerCase()}`;
  return out;
}

/** `expr` (a MATCH expression of quoted terms, as planned here) limited to one library: each word gets its prefix. */
export function inLibrary(scope: string, expr: string): string {
  const prefix = libraryToken(scope);
  return expr.replace(/"([^"]*)"/g, (_, words: string) => `"${prefix}${words.split(' ').join(` ${prefix}`)}"`);
}

/** The FTS5 MATCH expression for `query` (any term), or undefined when it has no searchable word. */
export function ftsMatchExpression(query: string): string | undefined {
  const terms = ftsTerms(query);
  return terms.length > 0 ? matchAny(terms) : undefined;
}

/**
 * Which expression to run, given how many of the library's passages each term is in (counted up to `common`): any of the terms in
 * at most `common` passages (their postings are few, and they carry the meaning: names, numbers, rare words); when
 * every term is common, passages holding all of them. Terms in no passage are left out. Undefined: nothing to find.
 */
export function planMatch(terms: readonly FtsTerm[], counts: readonly number[], common: number): string | undefined {
  const present = terms.filter((_, i) => (counts[i] ?? 0) > 0);
  const rare = terms.filter((_, i) => (counts[i] ?? 0) > 0 && (counts[i] ?? 0) <= common);
  if (rare.length > 0) return matchAny(rare);
  if (present.length > 0) return matchAll(present);
  return undefined;
}

/**
 * Every message catalogue in src/ (the `*-texts.ts` files, found on disk and imported) is complete in Russian:
 * every key has a non-empty value, texts are in Russian (Cyrillic) unless they have no letters or are listed below as
 * identical by intent, `{placeholders}` match, and function messages take as many parameters as the English ones.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Catalog, type Messages, isCatalog } from '../../src/i18n/catalog.ts';
import { repoRoot } from '../support/child-bot.ts';

const SRC = join(repoRoot, 'src');
const CYRILLIC = /[А-Яа-яЁё]/;
const LETTER = /\p{L}/u;

/**
 * Russian values that are the same as English on purpose (`file#export.key`): names, codes and commands that are not
 * translated.
 */
const SAME_BY_INTENT = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A stand-in for any parameter: a string in text, a number in arithmetic and plural rules. */
const probe: unknown = new Proxy(
  {},
  {
    get: (_, key) =>
      key === Symbol.toPrimitive ? (hint: string) => (hint === 'number' ? 2 : 'x') : key === 'length' ? 1 : probe,
  },
);

/** The message's text for checking: a string as is, a function called with probe parameters (undefined if it can't). */
function render(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (typeof message !== 'function') return undefined;
  try {
    const out = (message as (p: unknown) => unknown)(probe);
    return typeof out === 'string' ? out : undefined;
  } catch {
    return undefined;
  }
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

async function loadCatalogs(): Promise<{ name: string; catalog: Catalog<Messages> }[]> {
  const found: { name: string; catalog: Catalog<Messages> }[] = [];
  for (const file of sourceFiles(SRC).filter((f) => f.endsWith('-texts.ts'))) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(mod)) {
      if (isCatalog(value)) found.push({ name: `${relative(SRC, file)}#${exported}`, catalog: value });
    }
  }
  return found;
}

test('catalogues live in *-texts.ts files (so this test finds every one)', () => {
  const outside = sourceFiles(SRC)
    .filter((f) => !f.endsWith('-texts.ts') && !f.endsWith(join('i18n', 'catalog.ts')))
    .filter((f) => /\bdefineMessages\(/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(SRC, f));
  assert.deepEqual(outside, [], 'defineMessages outside a *-texts.ts file');
});

test('every catalogue is complete and Russian', async () => {
  const catalogs = await loadCatalogs();
  assert.ok(catalogs.length >= 4, `found ${catalogs.length} catalogues`);
  const problems: string[] = [];
  for (const { name, catalog } of catalogs) {
    const en = catalog.source;
    const ru = catalog.translations.ru as Messages;
    assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort(), `${name}: the same keys`);
    for (const key of Object.keys(en)) {
      const where = `${name}.${key}`;
      const e = en[key];
      const r = ru[key];
      if (typeof e !== typeof r) {
        problems.push(`${where}: ${typeof e} in English, ${typeof r} in Russian`);
        continue;
      }
      if (typeof e === 'function' && typeof r === 'function' && e.length !== r.length) {
        problems.push(`${where}: ${e.length} parameter(s) in English, ${r.length} in Russian`);
      }
      const eText = render(e);
      const rText = render(r);
      if (rText === undefined || eText === undefined) continue; // a function that needs real parameters
      if (rText.trim() === '') problems.push(`${where}: empty in Russian`);
      if (typeof e === 'string' && placeholders(eText).join() !== placeholders(rText).join()) {
        problems.push(`${where}: placeholders ${placeholders(eText)} vs ${placeholders(rText)}`);
      }
      const needsRussian = LETTER.test(eText) && !SAME_BY_INTENT.has(where);
      if (needsRussian && !CYRILLIC.test(rText)) problems.push(`${where}: not Russian: ${JSON.stringify(rText)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the probe renders function messages (the check above is not skipping them)', async () => {
  const catalogs = await loadCatalogs();
  let functions = 0;
  let rendered = 0;
  for (const { catalog } of catalogs) {
    for (const message of Object.values(catalog.translations.ru as Messages)) {
      if (typeof message !== 'function') continue;
      functions++;
      if (render(message) !== undefined) rendered++;
    }
  }
  assert.ok(functions > 0);
  assert.ok(rendered / functions > 0.8, `rendered ${rendered} of ${functions} function messages`);
});

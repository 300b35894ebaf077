import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUIDE_PATH, renderGuide } from '../test/guide/guide-doc.ts';
import { FRAGMENT_DIR, SCREENS, type ScreenFragment } from '../test/guide/screens.ts';

/**
 * Writes docs/chat-guide.md from the transcripts the guide tests wrote (`WRITE_CHAT_GUIDE=1`, see `npm run guide`).
 * `--check`: write nothing; exit 1 when docs/chat-guide.md differs from what the transcripts give.
 */
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, FRAGMENT_DIR);
const known = new Set<string>(SCREENS.map((s) => s.id));
let files: string[] = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // no transcripts yet: renderGuide names every missing screen
}
const fragments: ScreenFragment[] = [];
for (const file of files) {
  const fragment = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScreenFragment;
  if (known.has(fragment.id)) fragments.push(fragment);
  else
    process.stderr.write(
      `Ignoring ${join(FRAGMENT_DIR, file)}: no screen "${fragment.id}" in test/guide/screens.ts.\n`,
    );
}

let markdown: string;
try {
  markdown = renderGuide(fragments);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
const target = join(root, GUIDE_PATH);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as different
  }
  if (current !== markdown) {
    process.stderr.write(`${GUIDE_PATH} is out of date: run "npm run guide" and commit the result.\n`);
    process.exit(1);
  }
  process.stdout.write(`${GUIDE_PATH} is up to date (${SCREENS.length} screens).\n`);
} else {
  writeFileSync(target, markdown);
  process.stdout.write(`Wrote ${GUIDE_PATH} (${SCREENS.length} screens).\n`);
}

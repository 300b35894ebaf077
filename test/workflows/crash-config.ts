/** A copy of the repository's config/ with one more workflow, for crash tests and the bench (child processes). */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../support/child-bot.ts';

/**
 * `steps`: three sequential agent steps over `items`, then the post: `step-<item>` tasks let the fake model tell
 * them apart. Returns the config directory.
 */
export function crashConfigDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  cpSync(resolve(repoRoot, 'config'), dir, { recursive: true });
  writeFileSync(
    join(dir, 'workflows', 'steps.json'),
    JSON.stringify({
      name: 'steps',
      description: 'Test: one model call per item, in order, then one post.',
      params: { items: { type: 'list', required: true } },
      steps: [
        {
          id: 'each',
          type: 'forEach',
          items: '{{params.items}}',
          steps: [{ id: 'say', type: 'agent', agent: 'assistant', model: 'router', task: 'step-{{item}}' }],
        },
        { id: 'done', type: 'post', text: 'finished: {{steps.each.output}}' },
      ],
    }),
  );
  return dir;
}

import { createHash } from 'node:crypto';

/** The run a trigger starts: derived from its turn id, so a retried job or a pressed-twice button starts one run. */
export function runIdFor(turnId: string): string {
  return `wr_${createHash('sha256').update(turnId).digest('base64url').slice(0, 16)}`;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repliesOfSql } from '../../src/memory/message-store.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { tempDbUrl } from '../support/temp-db.ts';

// Fact extraction reads the replies to up to 30 turns of a scope; on the synchronous local engine a whole-scope walk
// there blocks every turn in the process.
test('the replies of a few turns are looked up by turn id, not by walking the whole scope', async () => {
  const db = tempDbUrl('replies-plan');
  const store = await createStore({ url: db.url, migrations });
  try {
    const turnIds = ['t1', 't2', 't3'];
    const plan = await store.query(`EXPLAIN QUERY PLAN ${repliesOfSql(turnIds.length)}`, ['u:1', ...turnIds]);
    const detail = plan.map((r) => String(r.detail)).join('\n');
    assert.match(detail, /\(turn_id=\? AND role=\?\)/, detail);
    assert.doesNotMatch(detail, /memory_messages_scope/, detail);
  } finally {
    await store.close();
    await db.cleanup();
  }
});

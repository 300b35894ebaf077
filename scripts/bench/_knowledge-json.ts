/** Dev aid: runs the knowledge bench module and prints its rows with their notes (bench.ts prints no notes). */
import { loadavg } from 'node:os';
import { run } from './knowledge.ts';

const before = loadavg();
const rows = await run();
for (const r of rows) console.log(JSON.stringify(r));
console.log(JSON.stringify({ loadBefore: before, loadAfter: loadavg() }));

import { createHarness } from './setup.ts';
const h = await createHarness({ extractEvery: 1 });
const chat = { chatId: 1, type: 'private' as const };
await h.turn(1, 'I collect vintage stamps from Japan', 'Cool hobby');
await h.memory.remember(1, chat, 'User collects stamps');
await h.clock.advance(4 * 365 * 86_400_000);
console.log('advanced');
await h.memory.maintenance();
console.log('maint');
const r = await h.memory.remember(1, chat, 'User plays the cello');
console.log(r.status);
const m = await h.memory.findFacts(1, chat, 'cello');
const t = setTimeout(() => {
  console.log('STUCK');
  process.exit(1);
}, 8000);
console.log(
  (
    await h.memory.forgetFacts(
      1,
      m.map((f) => f.id),
    )
  ).length,
);
clearTimeout(t);
await h.close();

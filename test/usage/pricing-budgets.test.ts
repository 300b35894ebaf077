import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { budgetState } from '../../src/usage/budget-rules.ts';
import { createBudgets } from '../../src/usage/budgets.ts';
import { periodsAt } from '../../src/usage/periods.ts';
import { loadPricing } from '../../src/usage/pricing-file.ts';
import { DEFAULT_PRICING, costOf, priceOf, pricingConfigSchema } from '../../src/usage/pricing.ts';
import { renderUsageChart } from '../../src/usage/usage-chart.ts';
import { formatUsd } from '../../src/usage/usage-format.ts';
import { createUsageStore } from '../../src/usage/usage-store.ts';
import { repoRoot } from '../support/child-bot.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

describe('pricing.json', () => {
  it('the shipped file is valid and is the documented default', () => {
    const shipped = pricingConfigSchema.parse(
      JSON.parse(readFileSync(join(repoRoot, 'config', 'pricing.json'), 'utf8')),
    );
    const { note: _note, ...rest } = shipped;
    assert.deepEqual(rest, DEFAULT_PRICING);
  });

  it('a config directory without the file gets the defaults; a bad file is one clear ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pricing-'));
    assert.deepEqual(loadPricing(dir), DEFAULT_PRICING);
    writeFileSync(
      join(dir, 'pricing.json'),
      JSON.stringify({
        checkedAt: 'yesterday',
        currency: 'EUR',
        models: { 'gemini-2.5-flash': { input: -1, output: 2.5, cents: 3 } },
        budgets: { dailyUsd: -5 },
      }),
    );
    assert.throws(
      () => loadPricing(dir),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.issues.join('\n');
        assert.match(text, /pricing\.json: checkedAt: must be a date like 2025-12-01/);
        assert.match(text, /pricing\.json: currency: only USD is supported/);
        assert.match(text, /pricing\.json: models\.gemini-2\.5-flash\.input: must be 0 or more/);
        assert.match(text, /cents/);
        assert.match(text, /pricing\.json: budgets\.dailyUsd: must be 0 \(unlimited\) or more/);
        return true;
      },
    );
    writeFileSync(join(dir, 'pricing.json'), '{ not json');
    assert.throws(() => loadPricing(dir), /pricing\.json: not valid JSON/);
  });

  it('prices a model by id, by its longest listed prefix, else not at all; cached tokens at the cached price', () => {
    assert.equal(priceOf(DEFAULT_PRICING, 'gemini-2.5-flash-preview-09-2025')?.input, 0.3);
    assert.equal(priceOf(DEFAULT_PRICING, 'gemini-2.5-flash-lite-preview-06-17')?.input, 0.1);
    assert.equal(priceOf(DEFAULT_PRICING, 'gpt-4o'), undefined);
    const flash = priceOf(DEFAULT_PRICING, 'gemini-2.5-flash');
    assert.ok(flash);
    // 1500 uncached × 0.30 + 500 cached × 0.03 + 100 output × 2.50, per 1M.
    const cost = costOf(flash, { inputTokens: 2000, cachedTokens: 500, outputTokens: 100, totalTokens: 2100 });
    assert.ok(Math.abs(cost - 0.000715) < 1e-12, String(cost));
  });

  it('formats costs of any size', () => {
    assert.deepEqual([0, 0.00042, 0.0025, 0.0123, 0.5, 3.4, 0.0000001].map(formatUsd), [
      '$0',
      '$0.00042',
      '$0.0025',
      '$0.012',
      '$0.50',
      '$3.40',
      '<$0.000001',
    ]);
  });
});

describe('budget periods and rules', () => {
  it('days and months follow the user’s zone, DST included', () => {
    // 29 March 2026: Berlin moves to summer time, so that day is 23 hours long.
    const p = periodsAt(Date.UTC(2026, 2, 29, 10), 'Europe/Berlin');
    assert.equal(p.dayKey, '2026-03-29');
    assert.equal(p.dayEnd - p.dayStart, 23 * 3_600_000);
    assert.equal(p.dayStart, Date.UTC(2026, 2, 28, 23));
    assert.equal(p.monthStart, Date.UTC(2026, 1, 28, 23));
    // Late on 31 December in New York it is already next year in UTC.
    const ny = periodsAt(Date.UTC(2027, 0, 1, 3), 'America/New_York');
    assert.equal(ny.monthKey, '2026-12');
    assert.equal(ny.monthEnd, Date.UTC(2027, 0, 1, 5));
  });

  it('warns from 80 %, stops at 100 %, the month before the day, 0 is unlimited', () => {
    const limits = { dailyUsd: 1, monthlyUsd: 10 };
    assert.deepEqual(budgetState({ dayUsd: 0.79, monthUsd: 1 }, limits), {});
    assert.equal(budgetState({ dayUsd: 0.8, monthUsd: 1 }, limits).warn?.period, 'day');
    assert.equal(budgetState({ dayUsd: 1, monthUsd: 1 }, limits).over?.period, 'day');
    assert.equal(budgetState({ dayUsd: 1, monthUsd: 10 }, limits).over?.period, 'month');
    assert.deepEqual(budgetState({ dayUsd: 100, monthUsd: 1000 }, { dailyUsd: 0, monthlyUsd: 0 }), {});
  });
});

describe('budget cache', () => {
  let db: TempDb;
  let store: Store;
  before(async () => {
    db = tempDbUrl('budgets');
    store = await createStore({ url: db.url, migrations });
  });
  after(async () => {
    await store.close();
    await db.cleanup();
  });

  it('reads the spend once, adds each call, and reads again when the day ends', async () => {
    const clock = createManualClock(Date.UTC(2026, 11, 3, 22));
    const insert = (ts: number, usd: number) =>
      store.run(
        "INSERT INTO llm_calls (ts, model, kind, ms, ok, user_id, purpose, cost_usd) VALUES (?, 'm', 'stream', 1, 1, 5, 'chat', ?)",
        [ts, usd],
      );
    await insert(Date.UTC(2026, 11, 1, 12), 0.5); // this month, an earlier day
    await insert(Date.UTC(2026, 11, 3, 9), 0.25); // today
    await insert(Date.UTC(2026, 10, 30, 12), 9); // last month
    const budgets = createBudgets({
      usage: createUsageStore(store),
      clock,
      defaults: { dailyUsd: 1, monthlyUsd: 2 },
      timezoneOf: async () => 'UTC',
      ttlMs: 3_600_000,
    });
    assert.deepEqual((await budgets.check(5)).spent, { dayUsd: 0.25, monthUsd: 0.75 });
    // A row written behind the cache's back is not seen; recorded calls are added to it.
    await insert(clock.now(), 100);
    budgets.add(5, 0.6, clock.now());
    const s = await budgets.check(5);
    assert.deepEqual(s.spent, { dayUsd: 0.85, monthUsd: 1.35 });
    assert.equal(s.warn?.period, 'day');
    assert.equal(budgets.blocked(5), false);
    budgets.add(5, 0.2, clock.now());
    assert.equal(budgets.blocked(5), true);
    // After midnight the entry is read again: yesterday's spend no longer counts for the day.
    await clock.advance(3 * 3_600_000);
    const next = await budgets.check(5);
    assert.equal(next.periods.dayKey, '2026-12-04');
    assert.equal(next.spent.dayUsd, 0);
    assert.ok(Math.abs(next.spent.monthUsd - 100.75) < 1e-9);
    assert.equal(next.over?.period, 'month');
  });
});

describe('usage chart', () => {
  it('is a PNG with the bars drawn even without any font', async () => {
    const bars = Array.from({ length: 30 }, (_, i) => ({ label: `${i + 1}.11`, value: i * 100 }));
    const empty = bars.map((b) => ({ ...b, value: 0 }));
    const png = await renderUsageChart(bars, { title: 'Tokens', systemFonts: false });
    const blank = await renderUsageChart(empty, { title: 'Tokens', systemFonts: false });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // PNG width and height (IHDR).
    const view = new DataView(png.buffer, png.byteOffset);
    assert.deepEqual([view.getUint32(16), view.getUint32(20)], [720, 360]);
    assert.ok(png.length > blank.length + 200, `bars drawn: ${png.length} vs ${blank.length} bytes`);
  });
});

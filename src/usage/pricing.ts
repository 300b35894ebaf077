import { z } from 'zod';
import type { Usage } from '../llm/types.ts';

/** USD per one million tokens. */
const price = z
  .number()
  .min(0, 'must be 0 or more (USD per 1M tokens)')
  .max(10_000, 'looks wrong: over $10,000 per 1M');

const modelPriceSchema = z.strictObject({
  input: price,
  output: price,
  /** Cached prompt tokens; default: the input price (no discount). */
  cached: price.optional(),
});

const budgetSchema = z.strictObject({
  dailyUsd: z.number().min(0, 'must be 0 (unlimited) or more').default(0),
  monthlyUsd: z.number().min(0, 'must be 0 (unlimited) or more').default(0),
});

/** config/pricing.json: prices per model and the default per-user budgets. */
export const pricingConfigSchema = z.strictObject({
  /** Free text for people: where the prices come from. */
  note: z.string().optional(),
  /** The day the prices were last checked against the provider's list (YYYY-MM-DD). */
  checkedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2025-12-01'),
  currency: z.literal('USD', { error: 'only USD is supported' }),
  /** By model id; an id not listed takes the longest listed prefix (e.g. a dated preview), else `default`. */
  models: z.record(z.string().min(1), modelPriceSchema),
  default: modelPriceSchema.optional(),
  budgets: budgetSchema.default({ dailyUsd: 0, monthlyUsd: 0 }),
});

export type PricingConfig = z.infer<typeof pricingConfigSchema>;
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/**
 * What ships in config/pricing.json: Google AI Studio paid-tier list prices (prompts up to 200k tokens) checked on
 * `checkedAt`. Prices change: check https://ai.google.dev/gemini-api/docs/pricing and edit the file.
 */
export const DEFAULT_PRICING: PricingConfig = {
  checkedAt: '2025-12-01',
  currency: 'USD',
  models: {
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cached: 0.03 },
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cached: 0.01 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cached: 0.125 },
    'gemini-embedding-001': { input: 0.15, output: 0 },
  },
  budgets: { dailyUsd: 0, monthlyUsd: 0 },
};

/** Prices a model's calls: exact id, else the longest listed prefix, else `default`; undefined when unknown. */
export function priceOf(pricing: PricingConfig, model: string): ModelPrice | undefined {
  const exact = pricing.models[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const id of Object.keys(pricing.models)) {
    if (model.startsWith(id) && (best === undefined || id.length > best.length)) best = id;
  }
  return best !== undefined ? pricing.models[best] : pricing.default;
}

/** The cost of one call in USD: uncached input, cached input and output (thinking included) at their prices. */
export function costOf(p: ModelPrice, usage: Usage): number {
  const cached = Math.min(usage.cachedTokens ?? 0, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  return (uncached * p.input + cached * (p.cached ?? p.input) + usage.outputTokens * p.output) / 1_000_000;
}

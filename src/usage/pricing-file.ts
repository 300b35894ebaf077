import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../config/load.ts';
import { ConfigError } from '../core/errors.ts';
import { DEFAULT_PRICING, type PricingConfig, pricingConfigSchema } from './pricing.ts';

export const PRICING_FILE = 'pricing.json';

/**
 * Reads CONFIG_DIR/pricing.json (zod-validated; every problem listed in one ConfigError). A config directory without
 * the file gets the shipped defaults, so upgrading never stops the bot.
 */
export function loadPricing(configDir: string): PricingConfig {
  if (!existsSync(join(configDir, PRICING_FILE))) return DEFAULT_PRICING;
  const issues: string[] = [];
  const pricing = readJsonFile(configDir, PRICING_FILE, pricingConfigSchema, issues);
  if (!pricing || issues.length > 0) throw new ConfigError(issues);
  return pricing;
}

import { timeZoneSchema } from '../config/env.ts';

/** Matches a typed zone or city ("Berlin", "new york", "Europe/Berlin") against the IANA list. */
export function matchTimeZone(input: string): string | undefined {
  const q = input.trim();
  if (!q) return undefined;
  if (timeZoneSchema.safeParse(q).success && q.includes('/')) {
    const exact = supportedZones().find((z) => z.toLowerCase() === q.toLowerCase());
    return exact ?? q;
  }
  if (/^utc$|^gmt$/i.test(q)) return 'UTC';
  const norm = q.toLowerCase().replace(/\s+/g, '_');
  const zones = supportedZones();
  return zones.find((z) => z.toLowerCase().split('/').pop() === norm) ?? zones.find((z) => z.toLowerCase() === norm);
}

let zonesCache: string[] | undefined;
function supportedZones(): string[] {
  zonesCache ??= Intl.supportedValuesOf('timeZone');
  return zonesCache;
}

import { z } from 'zod';
import { type Tool, defineTool } from '../tool.ts';
import { isTimeZone, zonedParts } from '../time.ts';

/** ISO 8601 local time with offset, e.g. 2026-02-17T11:00:00+01:00. */
export function localIso(ms: number, timezone: string): string {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  const offsetMin = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${off}`;
}

/** The `current_time` tool: the time now in the user's (or a given) IANA time zone, from the injected clock. */
export function createCurrentTimeTool(): Tool {
  return defineTool({
    name: 'current_time',
    description:
      "Get the current date and time. Without arguments it uses the user's time zone; pass an IANA zone such as Asia/Tokyo for another place.",
    input: z.object({
      timezone: z
        .string()
        .trim()
        .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or America/New_York')
        .optional()
        .describe("IANA time zone, e.g. Europe/Berlin. Omit for the user's own zone."),
    }),
    execute({ timezone }, ctx) {
      const zone = timezone ?? ctx.timezone;
      const now = ctx.clock.now();
      const { local, offset } = zonedParts(now, zone);
      return { timezone: zone, local, iso: localIso(now, zone), utcOffset: offset, utc: new Date(now).toISOString() };
    },
  });
}

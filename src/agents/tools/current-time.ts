import { z } from 'zod';
import { type Tool, defineTool } from '../tool.ts';
import { isTimeZone, localIso, zonedParts } from '../../core/zoned-time.ts';

/** The `current_time` tool: the time now in the user's (or a given) IANA time zone, from the injected clock. */
export function createCurrentTimeTool(): Tool {
  return defineTool({
    name: 'current_time',
    readOnly: true,
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

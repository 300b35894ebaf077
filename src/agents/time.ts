import { isTimeZone } from '../core/timezone.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(timezone, f);
  }
  return f;
}

export { isTimeZone };

/** Local wall-clock parts of an instant in a zone. */
export function zonedParts(ms: number, timezone: string): { local: string; offset: string; weekday: string } {
  const parts = formatterFor(timezone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    local: `${get('weekday')}, ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')}`,
    offset: get('timeZoneName').replace(/^GMT$/, 'UTC').replace(/^GMT/, 'UTC'),
    weekday: get('weekday'),
  };
}

/** The one "current time" line each turn puts into the system instruction. Falls back to UTC for a bad zone. */
export function describeNow(ms: number, timezone: string): string {
  const zone = isTimeZone(timezone) ? timezone : 'UTC';
  const { local, offset } = zonedParts(ms, zone);
  return `Current date and time for the user: ${local} (${zone === 'UTC' ? 'UTC' : `${zone}, ${offset}`}).`;
}

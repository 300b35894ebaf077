import type { Job } from './job.ts';
import { dowSet } from './messages.ts';
import type { When } from './schedule.ts';
import { russianTimeToEnglish } from './time-input-ru.ts';

/** Examples shown when a typed time can't be read (the forms `parseTimeInput` accepts), per language. */
export const TIME_EXAMPLES =
  '18:30 · 6pm · in 20 minutes · in 2 hours · tomorrow 9:00 · friday 9:00 · every monday 8:00';
export const TIME_EXAMPLES_RU =
  '18:30 · через 20 минут · через 2 часа · завтра 9:00 · в пятницу 9:00 · каждый понедельник 8:00';

/** The examples for `locale` ('ru' or English). */
export const timeExamples = (locale: string): string => (locale === 'ru' ? TIME_EXAMPLES_RU : TIME_EXAMPLES);

const DAYS: Record<string, string> = {
  sun: 'sunday',
  sunday: 'sunday',
  mon: 'monday',
  monday: 'monday',
  tue: 'tuesday',
  tues: 'tuesday',
  tuesday: 'tuesday',
  wed: 'wednesday',
  wednesday: 'wednesday',
  thu: 'thursday',
  thur: 'thursday',
  thurs: 'thursday',
  thursday: 'thursday',
  fri: 'friday',
  friday: 'friday',
  sat: 'saturday',
  saturday: 'saturday',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** "18:30", "18.30", "9", "9am", "6:30 pm" → "HH:MM" (24 h); `bare` allows a lone hour ("tomorrow 9"). */
function clock(text: string, bare: boolean): string | undefined {
  const m = /^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$/.exec(text.trim());
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const suffix = m[3]?.replace(/\./g, '');
  if (m[2] === undefined && !suffix && !bare) return undefined;
  if (minute > 59) return undefined;
  if (suffix) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (suffix === 'pm' ? 12 : 0);
  }
  if (hour > 23) return undefined;
  return `${pad(hour)}:${pad(minute)}`;
}

const UNITS: Record<string, 'minutes' | 'hours' | 'days' | 'weeks'> = {
  m: 'minutes',
  min: 'minutes',
  mins: 'minutes',
  minute: 'minutes',
  minutes: 'minutes',
  h: 'hours',
  hr: 'hours',
  hrs: 'hours',
  hour: 'hours',
  hours: 'hours',
  d: 'days',
  day: 'days',
  days: 'days',
  w: 'weeks',
  week: 'weeks',
  weeks: 'weeks',
};

/**
 * A time typed after "Change time", as a `When` for the same resolver schedule_create uses: "18:30", "6pm",
 * "in 20 minutes", "in an hour", "tomorrow 9:00", "today 18:00", "friday 9:00", "on fri at 9am", "2026-03-20 09:00",
 * "every day 8:00", "every weekday at 7:30", "every monday 8:00", "daily 8:00". Undefined when it is none of these.
 */
export function parseTimeInput(input: string): When | undefined {
  const text = russianTimeToEnglish(input.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]$/, ''));
  if (!text || text.length > 60) return undefined;

  const rel = /^in (an?|\d{1,4}) ?([a-z]+)$/.exec(text);
  if (rel) {
    const unit = UNITS[rel[2]!];
    const n = rel[1] === 'a' || rel[1] === 'an' ? 1 : Number(rel[1]);
    if (!unit || n <= 0) return undefined;
    return { in: { [unit]: n } };
  }

  const every = /^(?:every ?(day|weekday|weekend|[a-z]+)|(daily)|(weekdays)|(weekends)) (?:at )?(.+)$/.exec(text);
  if (every) {
    const word = every[2] ? 'day' : every[3] ? 'weekday' : every[4] ? 'weekend' : every[1]!;
    const at = clock(every[5]!, true);
    const day = DAYS[word.replace(/s$/, '')] ?? DAYS[word];
    const kind = word === 'day' || word === 'weekday' || word === 'weekend' ? word : day;
    if (!at || !kind) return undefined;
    return { every: kind as NonNullable<When['every']>, at };
  }

  const dated = /^(?:on )?(today|tomorrow|tmrw|[a-z]{3,9}|\d{4}-\d{2}-\d{2}) (?:at )?(.+)$/.exec(text);
  if (dated) {
    const word = dated[1]!;
    const date =
      word === 'tmrw' ? 'tomorrow' : word === 'today' || word === 'tomorrow' || /^\d/.test(word) ? word : DAYS[word];
    const at = clock(dated[2]!, true);
    if (date && at) return { date, time: at };
    return undefined;
  }

  const at = clock(text.replace(/^at /, ''), text.startsWith('at '));
  return at ? { time: at } : undefined;
}

/**
 * The new schedule for a job from a typed time. A lone time of day ("09:00") on a job repeating at one time on some
 * days keeps its days ("Mondays 08:00" → "Mondays 09:00"); anything else replaces the schedule.
 */
export function whenForJob(job: Job, when: When): When {
  if (job.schedule.type !== 'cron' || when.time === undefined || when.date !== undefined) return when;
  const [min, hour, dom, month, dow] = job.schedule.expression.split(/\s+/);
  const simple = /^\d{1,2}$/.test(min ?? '') && /^\d{1,2}$/.test(hour ?? '') && dom === '*' && month === '*';
  const days = simple ? dowSet(dow ?? '') : undefined;
  if (!days) return when;
  const key = [...days].sort().join(',');
  const names = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
  if (days.size === 7) return { every: 'day', at: when.time };
  if (key === '1,2,3,4,5') return { every: 'weekday', at: when.time };
  if (key === '0,6') return { every: 'weekend', at: when.time };
  if (days.size === 1) return { every: names[[...days][0]!]!, at: when.time };
  const [h, m] = when.time.split(':').map(Number);
  return { cron: `${m} ${h} * * ${[...days].sort().join(',')}` };
}

/**
 * Russian typed times, rewritten into the English forms `parseTimeInput` reads: "через 20 минут" → "in 20 minutes",
 * "завтра 9:00" → "tomorrow 9:00", "в пятницу в 18:30" → "friday 18:30", "каждый понедельник 8:00" →
 * "every monday 8:00", "по будням 7:30" → "every weekday 7:30". Text without Cyrillic is returned as it is.
 */

const DAYS: [RegExp, string][] = [
  [/^(понедельник|пн)$/, 'monday'],
  [/^(вторник|вт)$/, 'tuesday'],
  [/^(среда|среду|ср)$/, 'wednesday'],
  [/^(четверг|чт)$/, 'thursday'],
  [/^(пятница|пятницу|пт)$/, 'friday'],
  [/^(суббота|субботу|сб)$/, 'saturday'],
  [/^(воскресенье|вс)$/, 'sunday'],
];

const UNITS: [RegExp, string][] = [
  [/^(минуту|минуты|минут|мин)$/, 'minutes'],
  [/^(час|часа|часов|ч)$/, 'hours'],
  [/^(день|дня|дней)$/, 'days'],
  [/^(неделю|недели|недель)$/, 'weeks'],
];

const SINGULAR = new Set(['минуту', 'час', 'день', 'неделю']);

const lookup = (table: [RegExp, string][], word: string): string | undefined =>
  table.find(([re]) => re.test(word))?.[1];

/** Replaces each Russian word of a time phrase with its English form; unknown words are kept. */
function translateWords(text: string): string {
  return text
    .split(' ')
    .map((word) => lookup(DAYS, word) ?? word)
    .join(' ');
}

/** The English form of a Russian time phrase (lower-case, single spaces), or the text unchanged. */
export function russianTimeToEnglish(text: string): string {
  if (!/[а-яё]/.test(text)) return text;
  let t = text.replace(/ё/g, 'е');
  const rel = /^через (\d{1,4} )?([а-я]+)$/.exec(t);
  if (rel) {
    const unit = lookup(UNITS, rel[2]!);
    // Without a number only the singular reads as one ("через час"); "через минут" is not a time.
    if (!unit || (!rel[1] && !SINGULAR.has(rel[2]!))) return text;
    return `in ${rel[1] ? rel[1].trim() : '1'} ${unit}`;
  }
  t = t
    .replace(/^(каждый день|ежедневно)(?= |$)/, 'every day')
    .replace(/^по будням(?= |$)/, 'every weekday')
    .replace(/^по выходным(?= |$)/, 'every weekend')
    .replace(/^(каждый|каждую|каждое) /, 'every ')
    .replace(/^(во|в) /, '')
    .replace(/^сегодня(?= |$)/, 'today')
    .replace(/^завтра(?= |$)/, 'tomorrow')
    .replace(/ (в|во) (\d)/, ' $2');
  return translateWords(t);
}

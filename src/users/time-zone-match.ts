import { timeZoneSchema } from '../config/env.ts';

/** Cities typed in Russian (lower case, ё as е), for those whose IANA zone is named in English. */
const CITY_ALIASES: Record<string, string> = {
  москва: 'Europe/Moscow',
  'санкт-петербург': 'Europe/Moscow',
  петербург: 'Europe/Moscow',
  питер: 'Europe/Moscow',
  'нижний новгород': 'Europe/Moscow',
  казань: 'Europe/Moscow',
  'ростов-на-дону': 'Europe/Moscow',
  краснодар: 'Europe/Moscow',
  воронеж: 'Europe/Moscow',
  калининград: 'Europe/Kaliningrad',
  самара: 'Europe/Samara',
  волгоград: 'Europe/Volgograd',
  саратов: 'Europe/Saratov',
  ульяновск: 'Europe/Ulyanovsk',
  екатеринбург: 'Asia/Yekaterinburg',
  челябинск: 'Asia/Yekaterinburg',
  пермь: 'Asia/Yekaterinburg',
  уфа: 'Asia/Yekaterinburg',
  тюмень: 'Asia/Yekaterinburg',
  омск: 'Asia/Omsk',
  новосибирск: 'Asia/Novosibirsk',
  томск: 'Asia/Tomsk',
  барнаул: 'Asia/Barnaul',
  красноярск: 'Asia/Krasnoyarsk',
  иркутск: 'Asia/Irkutsk',
  чита: 'Asia/Chita',
  якутск: 'Asia/Yakutsk',
  владивосток: 'Asia/Vladivostok',
  хабаровск: 'Asia/Vladivostok',
  магадан: 'Asia/Magadan',
  'петропавловск-камчатский': 'Asia/Kamchatka',
  минск: 'Europe/Minsk',
  киев: 'Europe/Kyiv',
  кишинев: 'Europe/Chisinau',
  рига: 'Europe/Riga',
  вильнюс: 'Europe/Vilnius',
  таллин: 'Europe/Tallinn',
  тбилиси: 'Asia/Tbilisi',
  ереван: 'Asia/Yerevan',
  баку: 'Asia/Baku',
  алматы: 'Asia/Almaty',
  астана: 'Asia/Almaty',
  ташкент: 'Asia/Tashkent',
  бишкек: 'Asia/Bishkek',
  душанбе: 'Asia/Dushanbe',
  лондон: 'Europe/London',
  берлин: 'Europe/Berlin',
  париж: 'Europe/Paris',
  лиссабон: 'Europe/Lisbon',
  мадрид: 'Europe/Madrid',
  рим: 'Europe/Rome',
  прага: 'Europe/Prague',
  варшава: 'Europe/Warsaw',
  хельсинки: 'Europe/Helsinki',
  стамбул: 'Europe/Istanbul',
  белград: 'Europe/Belgrade',
  дубай: 'Asia/Dubai',
  'тель-авив': 'Asia/Jerusalem',
  бангкок: 'Asia/Bangkok',
  пекин: 'Asia/Shanghai',
  шанхай: 'Asia/Shanghai',
  токио: 'Asia/Tokyo',
  сидней: 'Australia/Sydney',
  'нью-йорк': 'America/New_York',
  чикаго: 'America/Chicago',
  'лос-анджелес': 'America/Los_Angeles',
};

/** Matches a typed zone or city ("Berlin", "new york", "Europe/Berlin", "Москва") against the IANA list. */
export function matchTimeZone(input: string): string | undefined {
  const q = input.trim();
  if (!q) return undefined;
  if (timeZoneSchema.safeParse(q).success && q.includes('/')) {
    const exact = supportedZones().find((z) => z.toLowerCase() === q.toLowerCase());
    return exact ?? q;
  }
  if (/^utc$|^gmt$/i.test(q)) return 'UTC';
  const alias = CITY_ALIASES[q.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ')];
  if (alias) return alias;
  const norm = q.toLowerCase().replace(/\s+/g, '_');
  const zones = supportedZones();
  return zones.find((z) => z.toLowerCase().split('/').pop() === norm) ?? zones.find((z) => z.toLowerCase() === norm);
}

let zonesCache: string[] | undefined;
function supportedZones(): string[] {
  zonesCache ??= Intl.supportedValuesOf('timeZone');
  return zonesCache;
}

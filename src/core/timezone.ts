/** True when `timeZone` is an IANA time zone name this runtime knows (e.g. `Europe/Berlin`). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || typeof timeZone !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

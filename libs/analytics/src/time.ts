// Calendar arithmetic in UTC, without a clock: every function takes its instant
// as an argument. Days are whole UTC calendar days, numbered from 1970-01-01.

export const MS_PER_DAY = 86_400_000;
export const DAYS_PER_WEEK = 7;

/** Milliseconds since the epoch of an RFC 3339 timestamp; throws on anything unparsable. */
export function instant(rfc3339: string, what = 'timestamp'): number {
  const ms = Date.parse(rfc3339);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not an RFC 3339 timestamp: ${JSON.stringify(rfc3339)}`);
  return ms;
}

/** The UTC calendar day (days since 1970-01-01) of an instant in ms. */
export function dayNumber(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** The UTC calendar day of an RFC 3339 timestamp. */
export function utcDay(rfc3339: string): number {
  return dayNumber(instant(rfc3339));
}

/** `YYYY-MM-DD` of a day number. */
export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Months since 1970-01 (0 = January 1970) of a day number. */
export function monthNumber(day: number): number {
  const d = new Date(day * MS_PER_DAY);
  return d.getUTCFullYear() * 12 + d.getUTCMonth() - 1970 * 12;
}

/** `YYYY-MM` of a month number. */
export function isoMonth(month: number): string {
  const year = 1970 + Math.floor(month / 12);
  const m = month - (year - 1970) * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

/** The first day (day number) of a month number. */
export function monthStart(month: number): number {
  const year = 1970 + Math.floor(month / 12);
  return dayNumber(Date.UTC(year, month - (year - 1970) * 12, 1));
}

/** Day of week, ISO: 1 = Monday … 7 = Sunday. 1970-01-01 was a Thursday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The Monday (day number) that starts the ISO week of a day. */
export function isoWeekStart(day: number): number {
  return day - (isoWeekday(day) - 1);
}

/**
 * ISO 8601 week label `YYYY-Www` of a day: weeks start on Monday and week 1 is
 * the week with the year's first Thursday, so the label's year can differ from
 * the calendar year near New Year.
 */
export function isoWeekLabel(day: number): string {
  const thursday = isoWeekStart(day) + 3;
  const year = new Date(thursday * MS_PER_DAY).getUTCFullYear();
  const jan1 = dayNumber(Date.UTC(year, 0, 1));
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

// The one parser for timestamps from outside: event bodies, query parameters,
// CLI options and imported lines all go through it (SPEC section 3). Date.parse
// is not enough: it rolls 2026-02-30 over to 2 March, takes lower-case t/z and
// cannot represent a leap second, so each field is checked before any arithmetic.
// No date library: they roll over (Date), clamp :60 to :59 (Temporal) or accept
// lower case, so the grammar below would be needed on top of one anyway.

/** The earliest instant accepted anywhere: nothing in a CRM happened before it. */
export const EARLIEST_INSTANT = '1900-01-01T00:00:00Z';
const EARLIEST_MS = Date.UTC(1900, 0, 1);

export const INSTANT_EXAMPLE = '2026-01-31T09:30:00Z';

export type InstantParse = { readonly ok: true; readonly epochMs: number } | { readonly ok: false; readonly reason: string };

// Upper-case T and Z only (RFC 3339 allows lower case; refusing it keeps the log
// canonical); up to 9 fractional digits (nanoseconds); the offset is mandatory.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const ANY_CASE = new RegExp(INSTANT.source, 'i');
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;
const LONG_FRACTION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{10,}(?:Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 date-time with an offset that names a real instant from 1900 on; never rolls over. */
export function parseInstant(text: unknown): InstantParse {
  if (typeof text !== 'string') return invalid('not a string');
  const m = INSTANT.exec(text);
  if (!m) return invalid(shapeReason(text));
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return invalid(`month ${m[2]} does not exist`);
  if (day < 1 || day > daysInMonth(year, month)) return invalid(`${m[1]}-${m[2]}-${m[3]} does not exist`);
  if (hour > 23) return invalid(`hour ${m[4]} does not exist`);
  if (minute > 59) return invalid(`minute ${m[5]} does not exist`);
  if (second === 60) return invalid('leap second :60 is not accepted (JavaScript dates cannot represent it)');
  if (second > 59) return invalid(`second ${m[6]} does not exist`);
  const [sign, offsetHours, offsetMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return invalid(`offset ${sign}${m[9]}:${m[10]} is out of range (at most ±23:59)`);
  // Years before 1899 cannot reach the floor whatever the offset, and Date.UTC maps years 0–99 to 1900–1999.
  if (year < 1899) return invalid(`it is before ${EARLIEST_INSTANT}`);
  // Digits past milliseconds are kept in the text but truncated here, as Date.parse does.
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs;
  if (epochMs < EARLIEST_MS) return invalid(`it is before ${EARLIEST_INSTANT}`);
  return { ok: true, epochMs };
}

/** Milliseconds since the epoch of an instant already validated by parseInstant; throws on anything else. */
export function instantMs(text: string): number {
  const parsed = parseInstant(text);
  if (!parsed.ok) throw new RangeError(`not a real instant: ${parsed.reason}`);
  return parsed.epochMs;
}

/** The message every edge shows for a refused instant, naming the field (`occurredAt`, `asOf`, `--as-of`). */
export function invalidInstantMessage(field: string, reason: string): string {
  return `${field} must be a real RFC 3339 instant: ${reason}`;
}

function invalid(reason: string): InstantParse {
  return { ok: false, reason };
}

function shapeReason(text: string): string {
  if (ANY_CASE.test(text)) return 'T and Z must be upper-case';
  if (NO_OFFSET.test(text)) return 'it has no offset (end it with Z or ±hh:mm)';
  if (LONG_FRACTION.test(text)) return 'at most 9 fractional-second digits';
  return `expected the form ${INSTANT_EXAMPLE} or 2026-01-31T10:30:00+01:00`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

import fc from 'fast-check';
import { EARLIEST_INSTANT, instantMs, invalidInstantMessage, parseInstant } from './instant';

const RUNS = { numRuns: 2000 } as const;
const MINUTE_MS = 60_000;
const FLOOR_MS = Date.UTC(1900, 0, 1);
// A day short of 10000-01-01 so that every offset still gives a four-digit local year.
const CEILING_MS = Date.UTC(9999, 11, 31) - 1;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
// Before 1970 epoch millis are negative; the spelled fraction is still the positive remainder.
const mod = (n: number, m: number) => ((n % m) + m) % m;

interface Spelled {
  readonly text: string;
  /** The instant the text names, truncated to the milliseconds it spells. */
  readonly epochMs: number;
}

/** An instant from 1900 on, spelled in the given offset with 0–9 fractional digits. */
function spell(ms: number, offsetMinutes: number, digits: number, extraDigits: string, zulu: boolean): Spelled {
  const epochMs = digits >= 3 ? ms : ms - mod(ms, 10 ** (3 - digits));
  const local = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString().slice(0, 19);
  const fraction = digits === 0 ? '' : `.${(pad(mod(epochMs, 1000), 3) + extraDigits).slice(0, digits)}`;
  const abs = Math.abs(offsetMinutes);
  const offset = offsetMinutes === 0 && zulu ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return { text: `${local}${fraction}${offset}`, epochMs };
}

const validInstant = fc
  .record({
    ms: fc.integer({ min: FLOOR_MS, max: CEILING_MS }),
    offsetMinutes: fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
    digits: fc.integer({ min: 0, max: 9 }),
    extraDigits: fc.stringMatching(/^\d{6}$/),
    zulu: fc.boolean(),
  })
  // The floor is on the instant: a local time of 1899 west of Greenwich may still be 1900 in UTC.
  .map(({ ms, offsetMinutes, digits, extraDigits, zulu }) => spell(ms, offsetMinutes, digits, extraDigits, zulu))
  .filter(({ epochMs }) => epochMs >= FLOOR_MS);

const year = fc.integer({ min: 1901, max: 9998 });
const dateTime = (y: number, mo: number, d: number, h = 10, mi = 0, s = 0, offset = 'Z') =>
  `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${offset}`;

describe('parseInstant', () => {
  it('accepts every real instant from 1900 on in any offset and precision, and names the same epoch millis as Date', () => {
    fc.assert(
      fc.property(validInstant, ({ text, epochMs }) => {
        expect(parseInstant(text)).toEqual({ ok: true, epochMs });
        expect(Date.parse(text)).toBe(epochMs);
      }),
      RUNS,
    );
  });

  it('refuses a day beyond the length of its month, never rolling over', () => {
    const beyond = fc
      .record({ y: year, mo: fc.integer({ min: 1, max: 12 }), extra: fc.integer({ min: 1, max: 68 }) })
      .map(({ y, mo, extra }) => ({ y, mo, d: Math.min(daysIn(y, mo) + extra, 99) }));
    fc.assert(
      fc.property(beyond, ({ y, mo, d }) => {
        expect(parseInstant(dateTime(y, mo, d))).toEqual({ ok: false, reason: `${pad(y, 4)}-${pad(mo)}-${pad(d)} does not exist` });
      }),
      RUNS,
    );
  });

  it('refuses 29 February outside leap years, centuries not divisible by 400 included', () => {
    const nonLeap = fc.oneof(fc.integer({ min: 1900, max: 9999 }).filter((y) => !isLeap(y)), fc.constantFrom(1900, 2100, 2200, 2300, 2500, 9900));
    fc.assert(fc.property(nonLeap, (y) => expect(parseInstant(dateTime(y, 2, 29))).toMatchObject({ ok: false, reason: `${y}-02-29 does not exist` })), RUNS);
    for (const y of [1904, 2000, 2024, 2400]) expect(parseInstant(dateTime(y, 2, 29))).toMatchObject({ ok: true });
  });

  it('refuses day 00, month 00 and months past 12', () => {
    fc.assert(
      fc.property(year, fc.oneof(fc.constant(0), fc.integer({ min: 13, max: 99 })), (y, mo) => {
        expect(parseInstant(dateTime(y, mo, 1))).toEqual({ ok: false, reason: `month ${pad(mo)} does not exist` });
      }),
      RUNS,
    );
    expect(parseInstant('2026-03-00T10:00:00Z')).toEqual({ ok: false, reason: '2026-03-00 does not exist' });
  });

  it('refuses hour 24+, minute 60+ and second 60+ (the leap second with its own reason)', () => {
    const field = fc.oneof(
      fc.record({ h: fc.integer({ min: 24, max: 99 }), mi: fc.constant(0), s: fc.constant(0), reason: fc.constant(/^hour \d\d does not exist$/) }),
      fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 60, max: 99 }), s: fc.constant(0), reason: fc.constant(/^minute \d\d does not exist$/) }),
      fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 61, max: 99 }), reason: fc.constant(/^second \d\d does not exist$/) }),
      fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.constant(60), reason: fc.constant(/^leap second :60 is not accepted/) }),
    );
    fc.assert(
      fc.property(year, field, (y, f) => {
        const parsed = parseInstant(dateTime(y, 1, 15, f.h, f.mi, f.s));
        expect(parsed.ok).toBe(false);
        expect(!parsed.ok && parsed.reason).toMatch(f.reason);
      }),
      RUNS,
    );
  });

  it('refuses offsets beyond ±23:59', () => {
    const offset = fc.oneof(
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 24, max: 99 }), fc.integer({ min: 0, max: 99 })),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 60, max: 99 })),
    );
    fc.assert(
      fc.property(offset, ([sign, h, m]) => {
        const parsed = parseInstant(dateTime(2026, 1, 15, 10, 0, 0, `${sign}${pad(h)}:${pad(m)}`));
        expect(parsed).toEqual({ ok: false, reason: `offset ${sign}${pad(h)}:${pad(m)} is out of range (at most ±23:59)` });
      }),
      RUNS,
    );
  });

  it('refuses lower-case t or z, which would make the log hold two spellings of one instant', () => {
    const lowered = fc.tuple(validInstant, fc.constantFrom('t', 'z', 'tz')).filter(([{ text }, which]) => which === 't' || text.endsWith('Z'));
    fc.assert(
      fc.property(lowered, ([{ text }, which]) => {
        const spelled = (which.includes('t') ? text.replace('T', 't') : text).replace(/Z$/, which.includes('z') ? 'z' : 'Z');
        expect(parseInstant(spelled)).toEqual({ ok: false, reason: 'T and Z must be upper-case' });
      }),
      RUNS,
    );
  });

  it('refuses a date-time without an offset', () => {
    fc.assert(
      fc.property(validInstant, ({ text }) => {
        expect(parseInstant(text.replace(/(?:Z|[+-]\d\d:\d\d)$/, ''))).toEqual({ ok: false, reason: 'it has no offset (end it with Z or ±hh:mm)' });
      }),
      RUNS,
    );
  });

  it('refuses instants before 1900-01-01T00:00:00Z, judged in UTC', () => {
    const early = fc.record({ y: fc.integer({ min: 0, max: 1899 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) });
    fc.assert(
      fc.property(early, ({ y, mo, d }) => {
        expect(parseInstant(dateTime(y, mo, d))).toEqual({ ok: false, reason: `it is before ${EARLIEST_INSTANT}` });
      }),
      RUNS,
    );
    expect(parseInstant('1900-01-01T00:00:00Z')).toEqual({ ok: true, epochMs: Date.UTC(1900, 0, 1) });
    expect(parseInstant('1899-12-31T23:00:00-01:00')).toEqual({ ok: true, epochMs: Date.UTC(1900, 0, 1) });
    expect(parseInstant('1900-01-01T00:30:00+01:00')).toMatchObject({ ok: false });
    expect(parseInstant('1899-12-31T23:59:59.999Z')).toMatchObject({ ok: false });
  });

  it.each([
    ['2026-02-30T10:00:00Z', '2026-02-30 does not exist'],
    ['2025-02-29T10:00:00Z', '2025-02-29 does not exist'],
    ['2026-04-31T10:00:00Z', '2026-04-31 does not exist'],
    ['0000-01-01T00:00:00Z', `it is before ${EARLIEST_INSTANT}`],
    ['0001-01-01T00:00:00Z', `it is before ${EARLIEST_INSTANT}`],
    ['2026-01-01t10:00:00z', 'T and Z must be upper-case'],
    ['2016-12-31T23:59:60Z', 'leap second :60 is not accepted (JavaScript dates cannot represent it)'],
    ['2026-01-01T24:00:00Z', 'hour 24 does not exist'],
    ['2026-01-01T10:00:00.1234567890Z', 'at most 9 fractional-second digits'],
    ['2026-01-01 10:00:00Z', 'expected the form 2026-01-31T09:30:00Z or 2026-01-31T10:30:00+01:00'],
    ['2026-01-01', 'expected the form 2026-01-31T09:30:00Z or 2026-01-31T10:30:00+01:00'],
    ['+002026-01-01T10:00:00Z', 'expected the form 2026-01-31T09:30:00Z or 2026-01-31T10:30:00+01:00'],
    ['２０２６-01-01T10:00:00Z', 'expected the form 2026-01-31T09:30:00Z or 2026-01-31T10:30:00+01:00'],
  ])('refuses %s: %s', (text, reason) => {
    expect(parseInstant(text)).toEqual({ ok: false, reason });
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 1_767_225_600_000, new Date(), ['2026-01-01T00:00:00Z']]) {
      expect(parseInstant(value)).toEqual({ ok: false, reason: 'not a string' });
    }
  });

  it('keeps nanoseconds in the text, milliseconds in the number; -00:00 and ±23:59 are instants too', () => {
    expect(parseInstant('2026-01-01T10:00:00.123456789Z')).toEqual({ ok: true, epochMs: Date.UTC(2026, 0, 1, 10, 0, 0, 123) });
    expect(parseInstant('2026-01-01T10:00:00-00:00')).toEqual({ ok: true, epochMs: Date.UTC(2026, 0, 1, 10) });
    expect(parseInstant('2026-01-01T23:59:00+23:59')).toEqual({ ok: true, epochMs: Date.UTC(2026, 0, 1) });
    expect(instantMs('2026-01-01T00:00:00-23:59')).toBe(Date.UTC(2026, 0, 1, 23, 59));
    expect(() => instantMs('2026-02-30T00:00:00Z')).toThrow('not a real instant: 2026-02-30 does not exist');
  });

  it('words the message every edge shows', () => {
    expect(invalidInstantMessage('occurredAt', '2026-02-30 does not exist')).toBe('occurredAt must be a real RFC 3339 instant: 2026-02-30 does not exist');
  });
});

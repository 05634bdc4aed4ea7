import { UserError } from './cli-errors';
import { parseAnalyticsOptions } from './analytics.options';

describe('analytics options', () => {
  it('takes as --as-of exactly the instants the API takes', () => {
    for (const ok of ['1997-09-30T23:59:59Z', '2024-02-29T00:00:00.123+01:00', '2024-03-01T10:00:00-05:30', '1900-01-01T00:00:00Z']) {
      expect(parseAnalyticsOptions({ asOf: ok }).asOf).toBe(ok);
    }
    for (const bad of [
      '1997-09-31T00:00:00Z', '2023-02-29T00:00:00Z', '1997-09-30', '1997-09-30 23:59:59Z', '1997-09-30T24:00:00Z', '1997-09-30T23:59:59', 'now',
      '1997-09-30T23:59:59+25:00', '2024-03-01t10:00:00z', '2016-12-31T23:59:60Z', '1899-12-31T00:00:00Z',
    ]) {
      expect(() => parseAnalyticsOptions({ asOf: bad })).toThrow(UserError);
    }
  });

  it('defaults asOf to now, limit to 10, horizon to 52 weeks, interval to month; currency to the configuration', () => {
    expect(parseAnalyticsOptions({}, () => new Date('2026-01-02T03:04:05Z'))).toEqual({ asOf: '2026-01-02T03:04:05.000Z', limit: 10, horizonWeeks: 52, interval: 'month' });
    expect(parseAnalyticsOptions({ asOf: '1997-09-30T23:59:59Z', currency: 'EUR', limit: '25', horizonWeeks: '39', interval: 'week' })).toEqual({
      asOf: '1997-09-30T23:59:59Z',
      currency: 'EUR',
      limit: 25,
      horizonWeeks: 39,
      interval: 'week',
    });
  });

  it.each([
    [{ asOf: 'yesterday' }, /^--as-of must be a real RFC 3339 instant: expected the form 2026-01-31T09:30:00Z .* \(got "yesterday"\)$/],
    [{ asOf: '1997-09-31T00:00:00Z' }, /^--as-of must be a real RFC 3339 instant: 1997-09-31 does not exist \(got "1997-09-31T00:00:00Z"\)$/],
    [{ currency: 'US' }, /--currency must be an upper-case ISO 4217 code/],
    // The API's rule: neither lower case nor a code ISO 4217 does not list.
    [{ currency: 'eur' }, /--currency must be an upper-case ISO 4217 code such as USD, got "eur"/],
    [{ currency: 'XYZ' }, /--currency must be an upper-case ISO 4217 code/],
    [{ limit: '1001' }, /--limit must be an integer from 1 to 1000/],
    [{ limit: '1e2' }, /--limit/],
    [{ horizonWeeks: '0' }, /--horizon-weeks must be an integer from 1 to 520/],
    [{ interval: 'quarter' }, /--interval must be one of day, week, month/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseAnalyticsOptions(raw)).toThrow(UserError);
    expect(() => parseAnalyticsOptions(raw)).toThrow(message);
  });
});

describe('analytics options: the revenue window', () => {
  it('takes --from and --to as instants, and refuses from after to', () => {
    expect(parseAnalyticsOptions({ asOf: '2026-01-01T00:00:00Z', from: '2025-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z' })).toMatchObject({
      from: '2025-01-01T00:00:00Z',
      to: '2025-12-31T23:59:59Z',
    });
    expect(parseAnalyticsOptions({ asOf: '2026-01-01T00:00:00Z' })).not.toHaveProperty('from');
    expect(() => parseAnalyticsOptions({ from: '2025-13-01T00:00:00Z' })).toThrow(/^--from must be a real RFC 3339 instant/);
    expect(() => parseAnalyticsOptions({ to: 'yesterday' })).toThrow(/^--to must be a real RFC 3339 instant/);
    expect(() => parseAnalyticsOptions({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' })).toThrow(new UserError('--from must not be after --to'));
  });
});

describe('analytics options: models --validate', () => {
  it('validates on (--as-of, --holdout-end], the holdout ending now by default', () => {
    const now = () => new Date('1998-07-01T00:00:00Z');
    expect(parseAnalyticsOptions({ asOf: '1997-09-30T23:59:59Z', validate: true, holdoutEnd: '1998-06-30T23:59:59Z' })).toMatchObject({
      asOf: '1997-09-30T23:59:59Z',
      holdoutEnd: '1998-06-30T23:59:59Z',
    });
    expect(parseAnalyticsOptions({ asOf: '1997-09-30T23:59:59Z', validate: true }, now).holdoutEnd).toBe('1998-07-01T00:00:00.000Z');
    expect(parseAnalyticsOptions({ asOf: '1997-09-30T23:59:59Z' })).not.toHaveProperty('holdoutEnd');
  });

  it.each([
    [{ asOf: '1997-09-30T23:59:59Z', holdoutEnd: '1998-06-30T23:59:59Z' }, /^--holdout-end goes with --validate$/],
    [{ asOf: '1997-09-30T23:59:59Z', validate: true, holdoutEnd: '1998-06-31T00:00:00Z' }, /^--holdout-end must be a real RFC 3339 instant/],
    [{ asOf: '1997-09-30T01:00:00Z', validate: true, holdoutEnd: '1997-09-30T23:00:00Z' }, /^--holdout-end must be on a later day \(UTC\) than --as-of/],
    [{ asOf: '1997-09-30T23:59:59Z', validate: true, holdoutEnd: '2010-01-01T00:00:00Z' }, /^--holdout-end must be at most 3653 days after --as-of$/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseAnalyticsOptions(raw)).toThrow(UserError);
    expect(() => parseAnalyticsOptions(raw)).toThrow(message);
  });
});

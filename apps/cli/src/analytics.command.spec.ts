import { UserError } from './cli-errors';
import { isRfc3339, parseAnalyticsOptions } from './analytics.command';
import { formatMoney, formatParam, minorUnitDigits, minorUnitName } from './text-table';

describe('analytics options', () => {
  it('accepts RFC 3339 date-times and nothing else', () => {
    for (const ok of ['1997-09-30T23:59:59Z', '2024-02-29T00:00:00.123+01:00', '2024-03-01t10:00:00z', '2024-03-01T10:00:00-05:30']) {
      expect(isRfc3339(ok)).toBe(true);
    }
    for (const bad of ['1997-09-31T00:00:00Z', '2023-02-29T00:00:00Z', '1997-09-30', '1997-09-30 23:59:59Z', '1997-09-30T24:00:00Z', '1997-09-30T23:59:59', 'now', '1997-09-30T23:59:59+25:00']) {
      expect(isRfc3339(bad)).toBe(false);
    }
  });

  it('defaults asOf to now, limit to 10, horizon to 52 weeks, interval to month; currency to the configuration', () => {
    expect(parseAnalyticsOptions({}, () => new Date('2026-01-02T03:04:05Z'))).toEqual({ asOf: '2026-01-02T03:04:05.000Z', limit: 10, horizonWeeks: 52, interval: 'month' });
    expect(parseAnalyticsOptions({ asOf: '1997-09-30T23:59:59Z', currency: 'eur', limit: '25', horizonWeeks: '39', interval: 'week' })).toEqual({
      asOf: '1997-09-30T23:59:59Z',
      currency: 'EUR',
      limit: 25,
      horizonWeeks: 39,
      interval: 'week',
    });
  });

  it.each([
    [{ asOf: 'yesterday' }, /--as-of must be an RFC 3339 timestamp/],
    [{ currency: 'US' }, /--currency must be an ISO 4217 code/],
    [{ limit: '1001' }, /--limit must be an integer from 1 to 1000/],
    [{ limit: '1e2' }, /--limit/],
    [{ horizonWeeks: '0' }, /--horizon-weeks must be an integer from 1 to 520/],
    [{ interval: 'quarter' }, /--interval must be one of day, week, month/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseAnalyticsOptions(raw)).toThrow(UserError);
    expect(() => parseAnalyticsOptions(raw)).toThrow(message);
  });
});

describe('analytics number formats', () => {
  it('shows money in major units of the currency and names the minor unit', () => {
    expect(formatMoney(154435, 'USD')).toBe('1,544.35');
    expect(formatMoney(1500, 'JPY')).toBe('1,500');
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitName('USD')).toBe('cents');
    expect(minorUnitName('JPY')).toBe('minor units');
  });

  it('shows parameters to 4 decimals, or in scientific notation when they are tiny or huge', () => {
    expect(formatParam(0.2425944942943467)).toBe('0.2426');
    expect(formatParam(1.5e-7)).toBe('1.5000e-7');
    expect(formatParam(3e9)).toBe('3.0000e+9');
  });
});

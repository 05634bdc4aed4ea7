import { isoWeekLabel, isoWeekStart, isoDate, isoMonth, monthNumber, monthStart, utcDay } from './time';

describe('UTC calendar helpers', () => {
  it.each([
    ['2020-12-31', '2020-W53', '2020-12-28'],
    ['2021-01-03', '2020-W53', '2020-12-28'],
    ['2021-01-04', '2021-W01', '2021-01-04'],
    ['2018-12-31', '2019-W01', '2018-12-31'],
    ['2024-12-30', '2025-W01', '2024-12-30'],
    ['2026-01-01', '2026-W01', '2025-12-29'],
    ['1970-01-01', '1970-W01', '1969-12-29'],
    ['1969-12-28', '1969-W52', '1969-12-22'],
  ])('%s is in ISO week %s starting %s', (date, label, start) => {
    const day = utcDay(`${date}T12:00:00Z`);
    expect(isoWeekLabel(day)).toBe(label);
    expect(isoDate(isoWeekStart(day))).toBe(start);
  });

  it('months', () => {
    const day = utcDay('2024-02-29T23:59:59Z');
    expect(isoMonth(monthNumber(day))).toBe('2024-02');
    expect(isoDate(monthStart(monthNumber(day)))).toBe('2024-02-01');
    expect(isoMonth(monthNumber(utcDay('1969-12-31T00:00:00Z')))).toBe('1969-12');
  });
});

import { durationMs } from './duration';

describe('durationMs', () => {
  it.each([
    ['P90D', 90 * 86_400_000],
    ['PT48H', 48 * 3_600_000],
    ['P1W', 7 * 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
    ['PT1H30M15S', 5_415_000],
    ['PT0S', 0],
  ])('reads %s', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1DT', 'P1M', 'P1Y', 'p1d', 'P1.5D', '1D', 'P-1D', 'PT1H ', '', 'P1234567D'])('refuses %j', (text) => {
    expect(durationMs(text)).toBeUndefined();
  });

  it('refuses what is not text', () => {
    expect(durationMs(90)).toBeUndefined();
    expect(durationMs(null)).toBeUndefined();
  });
});

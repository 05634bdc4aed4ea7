import { hashFor, isDay, parseHash, scopeOf } from './scope';

describe('scope and routes', () => {
  const now = new Date('2026-03-04T12:00:00Z');

  it('reads the as-of day and currency from the hash, with defaults for what is missing or wrong', () => {
    expect(scopeOf(new URLSearchParams('asOf=1997-09-30&currency=eur'), 'USD', now)).toEqual({ asOfDate: '1997-09-30', asOf: '1997-09-30T23:59:59Z', currency: 'EUR' });
    expect(scopeOf(new URLSearchParams('asOf=1997-02-30&currency=EURO'), 'USD', now)).toEqual({ asOfDate: '2026-03-04', asOf: '2026-03-04T23:59:59Z', currency: 'USD' });
  });

  it('accepts only real calendar days', () => {
    expect(['2024-02-29', '1997-09-30'].map(isDay)).toEqual([true, true]);
    expect(['2023-02-29', '1997-9-30', '1997-13-01', ''].map(isDay)).toEqual([false, false, false, false]);
  });

  it('round-trips a route with its parameters and scope', () => {
    const hash = hashFor(['customer', 'a/b c'], { asOfDate: '1997-09-30', currency: 'USD' }, { q: 'x' });
    expect(hash).toBe('#/customer/a%2Fb%20c?asOf=1997-09-30&currency=USD&q=x');
    const route = parseHash(hash);
    expect(route.segments).toEqual(['customer', 'a/b c']);
    expect(route.query.get('q')).toBe('x');
  });
});

import { majorToMinorUnits, upcastPurchasedV1 } from './purchased-v1.upcaster';
import { UpcastError } from './upcast-error';

describe('purchased v1 → v2', () => {
  it('turns a decimal string of major units into integer minor units, keeping the rest', () => {
    const v1 = { orderId: 'o-1', amount: '49.99', currency: 'USD', campaignId: 'c-1', offerId: 'f-1' };
    expect(upcastPurchasedV1(v1)).toEqual({ orderId: 'o-1', amount: 4999, currency: 'USD', campaignId: 'c-1', offerId: 'f-1' });
    // The recorded payload is not mutated: audit shows it as recorded.
    expect(v1.amount).toBe('49.99');
  });

  it('leaves an integer amount alone: every v1 purchase this codebase recorded', () => {
    const v1 = { orderId: 'o-2', amount: 4999, currency: 'USD' };
    expect(upcastPurchasedV1(v1)).toEqual({ orderId: 'o-2', amount: 4999, currency: 'USD' });
  });

  it.each([
    ['49.99', 'USD', 4999],
    ['0.29', 'USD', 29], // 0.29 * 100 is 28.999999999999996 in floating point
    ['1.1', 'EUR', 110],
    ['7', 'USD', 700],
    ['0', 'USD', 0],
    ['0.00', 'EUR', 0],
    ['1250', 'JPY', 1250],
    ['1250.00', 'JPY', 1250],
    ['12.345', 'KWD', 12345],
    ['1.2345', 'CLF', 12345],
    ['90071992547409.91', 'USD', 9007199254740991],
  ])('"%s" %s is %d minor units', (amount, currency, minor) => {
    expect(majorToMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    ['49.999', 'USD', /more decimals/],
    ['1.5', 'JPY', /more decimals/],
    ['-1.00', 'USD', /not a non-negative decimal/],
    ['1e3', 'USD', /not a non-negative decimal/],
    [' 1.00', 'USD', /not a non-negative decimal/],
    ['1.', 'USD', /not a non-negative decimal/],
    ['.5', 'USD', /not a non-negative decimal/],
    ['', 'USD', /not a non-negative decimal/],
    ['90071992547409.92', 'USD', /too large/],
    ['1.00', 'XAU', /no minor unit/],
  ])('refuses "%s" %s rather than round or guess', (amount, currency, message) => {
    expect(() => majorToMinorUnits(amount, currency)).toThrow(UpcastError);
    expect(() => majorToMinorUnits(amount, currency)).toThrow(message);
  });
});

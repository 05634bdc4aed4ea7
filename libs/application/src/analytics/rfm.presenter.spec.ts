import { RFM_SEGMENTS, type RfmResult, type RfmRow, type RfmSegment } from '@rapport/analytics';
import { presentRfm, presentRfmCustomers } from './rfm.presenter';

const scope = { asOf: '2026-03-01T00:00:00Z', currency: 'EUR' };
const row = (customerId: string, segment: RfmSegment): RfmRow => ({ customerId, recencyDays: 1, frequency: 1, monetary: 100, r: 5, f: 1, m: 1, fm: 1, segment });
const segments = Object.fromEntries(RFM_SEGMENTS.map((s) => [s, 0])) as Record<RfmSegment, number>;
const result: RfmResult = {
  customers: [row('c', 'lost'), row('a', 'champions'), row('d', 'champions'), row('b', 'champions')],
  segments: { ...segments, champions: 3, lost: 1 },
};
const cursorAfter = (id: string) => `after:${id}`;

describe('rfm presenter', () => {
  it('counts the customers and keeps every segment', () => {
    const report = presentRfm(scope, result);
    expect(report).toEqual({ ...scope, customers: 4, segments: result.segments });
    expect(Object.keys(report)).toEqual(['asOf', 'currency', 'customers', 'segments']);
  });

  it('pages customers by customerId, with a cursor while more remain', () => {
    const first = presentRfmCustomers(scope, result, { limit: 3 }, cursorAfter);
    expect(Object.keys(first)).toEqual(['asOf', 'currency', 'items', 'nextCursor']);
    expect(first.items.map((c) => c.customerId)).toEqual(['a', 'b', 'c']);
    expect(first.nextCursor).toBe('after:c');
    const last = presentRfmCustomers(scope, result, { after: 'c', limit: 3 }, cursorAfter);
    expect(last).toMatchObject({ items: [{ customerId: 'd' }], nextCursor: null });
  });

  it('names the segment it was asked for and lists only its customers', () => {
    const page = presentRfmCustomers(scope, result, { segment: 'champions', after: 'a', limit: 1 }, cursorAfter);
    expect(page).toEqual({ ...scope, segment: 'champions', items: [result.customers[3]], nextCursor: 'after:b' });
    expect(Object.keys(page)).toEqual(['asOf', 'currency', 'segment', 'items', 'nextCursor']);
    expect(presentRfmCustomers(scope, result, { segment: 'new', limit: 5 }, cursorAfter)).toMatchObject({ items: [], nextCursor: null });
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { PurchaseDaySummary } from './purchase-days';
import { PurchaseLedger } from './purchase-ledger';
import { fmScore, rfm, rfmFromSummaries, RFM_GRID, RFM_SEGMENTS, type RfmScore, type RfmSegment } from './rfm';

const SCORES: readonly RfmScore[] = [1, 2, 3, 4, 5];

/** The R × FM table of SPEC.md section 6, read from the SPEC itself. */
function specGrid(): Map<string, string> {
  const spec = fs.readFileSync(path.resolve(__dirname, '../../../../shared/SPEC.md'), 'utf8');
  const grid = new Map<string, string>();
  for (const line of spec.split('\n')) {
    const m = /^\s*\|\s*([1-5])\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2].split('|').map((c) => c.trim());
    if (cells.length !== 5) continue;
    cells.forEach((segment, i) => grid.set(`${m[1]},${i + 1}`, segment));
  }
  return grid;
}

const DAY = 86_400_000;
const asOf = '2024-06-30T23:59:59Z';
const asOfDay = Date.UTC(2024, 5, 30) / DAY;

/** A customer whose last purchase-day is `daysAgo` before asOf, with `days` purchase-days summing to `total`. */
function customer(customerId: string, daysAgo: number, days: number, total: number) {
  const purchases = Array.from({ length: days }, (_, i) => ({
    occurredAt: new Date((asOfDay - daysAgo - i) * DAY + 3_600_000).toISOString(),
    amount: i === 0 ? total - Math.floor(total / days) * (days - 1) : Math.floor(total / days),
  }));
  return { customerId, purchases };
}

/** RFM over objects, written out as the SPEC reads: each score by rank among the customers' sorted values. */
function referenceRfm(summaries: readonly PurchaseDaySummary[]) {
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const rs = sorted(summaries.map((s) => s.daysSinceLast));
  const fs = sorted(summaries.map((s) => s.frequency + 1));
  const ms = sorted(summaries.map((s) => s.totalAmount));
  const segments = Object.fromEntries(RFM_SEGMENTS.map((s) => [s, 0])) as Record<RfmSegment, number>;
  const customers = summaries.map((s) => {
    const r = (1 + Math.floor((5 * rs.filter((w) => w > s.daysSinceLast).length) / rs.length)) as RfmScore;
    const f = (1 + Math.floor((5 * fs.filter((w) => w < s.frequency + 1).length) / fs.length)) as RfmScore;
    const m = (1 + Math.floor((5 * ms.filter((w) => w < s.totalAmount).length) / ms.length)) as RfmScore;
    const fm = fmScore(f, m);
    const segment = RFM_GRID[r][fm - 1];
    segments[segment] += 1;
    return { customerId: s.customerId, recencyDays: s.daysSinceLast, frequency: s.frequency + 1, monetary: s.totalAmount, r, f, m, fm, segment };
  });
  return { customers, segments };
}

describe('RFM', () => {
  it('RFM_GRID is the SPEC grid, and every segment appears in it', () => {
    const spec = specGrid();
    expect(spec.size).toBe(25);
    for (const r of SCORES) for (const fm of SCORES) expect({ r, fm, segment: RFM_GRID[r][fm - 1] }).toEqual({ r, fm, segment: spec.get(`${r},${fm}`) });
    expect(new Set(Object.values(RFM_GRID).flat())).toEqual(new Set(RFM_SEGMENTS));
  });

  it('scores 25 customers in tied groups of five and puts each in its SPEC cell, cell by cell', () => {
    // Customer (r, c): R group r (last purchase (5 − r)·10 days ago), c purchase-days and c · 1000 in total.
    // Each value is shared by five customers, so #{w < v} = 5·(group − 1) and the score is the group.
    const population = SCORES.flatMap((r) => SCORES.map((c) => customer(`r${r}c${c}`, (5 - r) * 10, c, c * 1000)));
    const result = rfm(population, asOf);
    const spec = specGrid();
    expect(result.customers).toHaveLength(25);
    for (const row of result.customers) {
      const [, r, c] = /^r(\d)c(\d)$/.exec(row.customerId)!.map(Number);
      expect(row).toEqual({
        customerId: row.customerId,
        recencyDays: (5 - r) * 10,
        frequency: c,
        monetary: c * 1000,
        r,
        f: c,
        m: c,
        fm: c,
        segment: spec.get(`${r},${c}`),
      });
    }
    const expectedCounts = Object.fromEntries(RFM_SEGMENTS.map((s) => [s, 0])) as Record<RfmSegment, number>;
    for (const r of SCORES) for (const fm of SCORES) expectedCounts[spec.get(`${r},${fm}`) as RfmSegment] += 1;
    expect(result.segments).toEqual(expectedCounts);
    expect(Object.keys(result.segments)).toEqual([...RFM_SEGMENTS]);
  });

  it('applies the SPEC formulas with ties and N not a multiple of 5, and rounds FM half up', () => {
    // N = 7.                 R days  F  M
    const population = [
      customer('a', 0, 1, 500), //     0  1   500
      customer('b', 0, 2, 100), //     0  2   100
      customer('c', 3, 2, 100), //     3  2   100
      customer('d', 3, 3, 900), //     3  3   900
      customer('e', 9, 3, 900), //     9  3   900
      customer('f', 9, 4, 2000), //    9  4  2000
      customer('g', 40, 9, 50), //    40  9    50
    ];
    const byId = Object.fromEntries(rfm(population, asOf).customers.map((c) => [c.customerId, c]));
    // R: 1 + floor(5·#{w > v}/7); #{w > 0} = 5 → 4; #{w > 3} = 3 → 3; #{w > 9} = 1 → 1; #{w > 40} = 0 → 1.
    // F: 1 + floor(5·#{w < v}/7); F=1: 0 → 1; F=2: 1 → 1; F=3: 3 → 3; F=4: 5 → 4; F=9: 6 → 5.
    // M: M=50: 0 → 1; 100: 1 → 1; 500: 3 → 3; 900: 4 → 3; 2000: 6 → 5.
    const expected: Record<string, [number, number, number, number, RfmSegment]> = {
      a: [4, 1, 3, 2, 'potential_loyalist'], // (1+3)/2 = 2
      b: [4, 1, 1, 1, 'promising'],
      c: [3, 1, 1, 1, 'about_to_sleep'],
      d: [3, 3, 3, 3, 'need_attention'],
      e: [1, 3, 3, 3, 'at_risk'],
      f: [1, 4, 5, 5, 'cant_lose'], // (4+5)/2 = 4.5 → 5
      g: [1, 5, 1, 3, 'at_risk'], // (5+1)/2 = 3
    };
    for (const [id, [r, f, m, fm, segment]] of Object.entries(expected)) {
      expect({ id, r: byId[id].r, f: byId[id].f, m: byId[id].m, fm: byId[id].fm, segment: byId[id].segment }).toEqual({ id, r, f, m, fm, segment });
    }
  });

  it('FM is round-half-up of the mean', () => {
    expect(fmScore(1, 2)).toBe(2);
    expect(fmScore(2, 3)).toBe(3);
    expect(fmScore(4, 5)).toBe(5);
    expect(fmScore(1, 1)).toBe(1);
    expect(fmScore(1, 4)).toBe(3);
  });

  it('a customer alone has nobody below it: 1/1/1, lost; nobody gives zero counts', () => {
    const one = rfm([customer('x', 0, 1, 10)], asOf);
    expect(one.customers[0]).toMatchObject({ r: 1, f: 1, m: 1, fm: 1, segment: 'lost' });
    expect(rfm([], asOf).segments.champions).toBe(0);
  });

  it('honours asOf: purchases after it do not count', () => {
    const c = customer('late', 0, 3, 300);
    const earlier = rfm([c], '2024-06-29T23:59:59Z').customers[0];
    expect(earlier).toMatchObject({ frequency: 2, recencyDays: 0 });
  });

  it('scores packed summaries and their objects exactly as scoring each object by the SPEC formulas does', () => {
    const purchase = fc.record({
      occurredAt: fc.integer({ min: 0, max: 400 }).map((day) => new Date(Date.UTC(2024, 0, 1) + day * DAY + 3_600_000).toISOString()),
      amount: fc.integer({ min: 1, max: 100_000 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(purchase, { minLength: 1, maxLength: 8 }), { maxLength: 60 }), (histories) => {
        const builder = PurchaseLedger.builder();
        histories.forEach((purchases, i) => builder.add(`c${i}`, purchases.map((p) => ({ ...p, currency: 'EUR' }))));
        const packed = builder.build().summarize('2025-02-01T00:00:00Z');
        const reference = referenceRfm(packed.toArray());
        expect(rfmFromSummaries(packed)).toEqual(reference);
        expect(rfmFromSummaries(packed.toArray())).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });

  it('scales as N log N: 200,000 customers score quickly', () => {
    const summaries: PurchaseDaySummary[] = Array.from({ length: 200_000 }, (_, i) => ({
      customerId: String(i),
      frequency: i % 17,
      recencyDays: 0,
      ageDays: 400,
      daysSinceLast: (i * 7919) % 365,
      monetary: 0,
      totalAmount: (i * 104_729) % 1_000_003,
      orders: 1,
      firstDay: '2024-01-01',
      lastDay: '2024-01-01',
    }));
    const started = performance.now();
    const result = rfmFromSummaries(summaries);
    expect(result.customers).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

import type { RfmResult, RfmRow, RfmScore } from '@rapport/analytics';
import { rfmCellCustomers, rfmGrid } from './rfm-grid.aggregate';

const row = (customerId: string, r: RfmScore, fm: RfmScore, monetary: number, recencyDays = 10, frequency = 2): RfmRow => ({
  customerId,
  recencyDays,
  frequency,
  monetary,
  r,
  f: fm,
  m: fm,
  fm,
  segment: 'loyal',
});

const result = (rows: RfmRow[]): RfmResult => ({ customers: rows, segments: {} as RfmResult['segments'] });

describe('rfmGrid', () => {
  it('has all 25 cells, R 5 → 1 and FM 1 → 5, each with the SPEC segment, zeros included', () => {
    const grid = rfmGrid(result([]));
    expect(grid.cells).toHaveLength(25);
    expect(grid.cells.slice(0, 5).map((c) => [c.r, c.fm, c.segment])).toEqual([
      [5, 1, 'new'],
      [5, 2, 'potential_loyalist'],
      [5, 3, 'potential_loyalist'],
      [5, 4, 'champions'],
      [5, 5, 'champions'],
    ]);
    expect(grid.cells[24]).toEqual({ r: 1, fm: 5, segment: 'cant_lose', customers: 0, value: 0, meanRecencyDays: null, meanFrequency: null });
    expect(grid).toMatchObject({ customers: 0, value: 0 });
  });

  it('counts customers and sums spend per cell, with means of recency and frequency', () => {
    const grid = rfmGrid(result([row('a', 5, 5, 1000, 2, 4), row('b', 5, 5, 500, 4, 2), row('c', 1, 1, 30)]));
    const cell = (r: number, fm: number) => grid.cells.find((c) => c.r === r && c.fm === fm)!;
    expect(cell(5, 5)).toMatchObject({ customers: 2, value: 1500, meanRecencyDays: 3, meanFrequency: 3 });
    expect(cell(1, 1)).toMatchObject({ customers: 1, value: 30, segment: 'lost' });
    expect(grid).toMatchObject({ customers: 3, value: 1530 });
    expect(grid.cells.reduce((n, c) => n + c.customers, 0)).toBe(3);
  });
});

describe('rfmCellCustomers', () => {
  const rows = result([row('b', 4, 3, 100), row('a', 4, 3, 100), row('c', 4, 3, 900), row('d', 4, 2, 5000), row('e', 4, 3, 50)]);

  it('lists only the cell, most valuable first, ties by customerId, a page at a time', () => {
    const first = rfmCellCustomers(rows, 4, 3, 2);
    expect(first.items.map((c) => c.customerId)).toEqual(['c', 'a']);
    expect(first.next).toEqual({ monetary: 100, customerId: 'a' });
    const second = rfmCellCustomers(rows, 4, 3, 2, first.next!);
    expect(second.items.map((c) => c.customerId)).toEqual(['b', 'e']);
    expect(second.next).toBeNull();
  });

  it('answers an empty page for an empty cell', () => {
    expect(rfmCellCustomers(rows, 1, 1, 10)).toEqual({ items: [], next: null });
  });
});

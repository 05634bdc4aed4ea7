// The RFM grid as the workspace draws it (SPEC section 11, segments): the 25
// cells of R × FM with how many customers each holds and what they spent, and
// one cell's customers a page at a time. Computed here so that a browser never
// downloads every customer to count them.
import { RFM_GRID, type RfmResult, type RfmRow, type RfmScore, type RfmSegment } from '@rapport/analytics';

export const RFM_SCORES: readonly RfmScore[] = [1, 2, 3, 4, 5];

export interface RfmGridCell {
  readonly r: RfmScore;
  readonly fm: RfmScore;
  /** The SPEC's segment for this cell. */
  readonly segment: RfmSegment;
  readonly customers: number;
  /** Total spend of the cell's customers (M summed), minor units. */
  readonly value: number;
  /** Mean days since the last purchase-day; null for an empty cell. */
  readonly meanRecencyDays: number | null;
  /** Mean purchase-days; null for an empty cell. */
  readonly meanFrequency: number | null;
}

export interface RfmGrid {
  readonly customers: number;
  readonly value: number;
  /** R from 5 down to 1, FM from 1 up to 5 within each R: the SPEC's table read row by row. */
  readonly cells: readonly RfmGridCell[];
}

export function rfmGrid(result: RfmResult): RfmGrid {
  const sums = new Map<string, { customers: number; value: number; recency: number; frequency: number }>();
  for (const row of result.customers) {
    const key = `${row.r}|${row.fm}`;
    const sum = sums.get(key) ?? { customers: 0, value: 0, recency: 0, frequency: 0 };
    sum.customers += 1;
    sum.value += row.monetary;
    sum.recency += row.recencyDays;
    sum.frequency += row.frequency;
    sums.set(key, sum);
  }
  const cells = [...RFM_SCORES].reverse().flatMap((r) =>
    RFM_SCORES.map((fm): RfmGridCell => {
      const sum = sums.get(`${r}|${fm}`);
      return {
        r,
        fm,
        segment: RFM_GRID[r][fm - 1]!,
        customers: sum?.customers ?? 0,
        value: sum?.value ?? 0,
        meanRecencyDays: sum ? sum.recency / sum.customers : null,
        meanFrequency: sum ? sum.frequency / sum.customers : null,
      };
    }),
  );
  return { customers: result.customers.length, value: cells.reduce((total, c) => total + c.value, 0), cells };
}

/** Where the previous page of a cell ended: customers come by spend, highest first, then by customerId. */
export interface RfmCellCursor {
  readonly monetary: number;
  readonly customerId: string;
}

export interface RfmCellPage {
  readonly items: readonly RfmRow[];
  /** Where the next page starts; null on the last page. */
  readonly next: RfmCellCursor | null;
}

/** One page of the customers in cell (r, fm), the most valuable first, so the page an analyst opens is the one worth reading. */
export function rfmCellCustomers(result: RfmResult, r: RfmScore, fm: RfmScore, limit: number, after?: RfmCellCursor): RfmCellPage {
  const rows = result.customers
    .filter((c) => c.r === r && c.fm === fm && (after === undefined || before(after, c)))
    .sort(byValueThenId);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? { monetary: last.monetary, customerId: last.customerId } : null };
}

function byValueThenId(a: RfmRow, b: RfmRow): number {
  return b.monetary - a.monetary || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0);
}

/** Whether `row` comes after the cursor in byValueThenId order. */
function before(cursor: RfmCellCursor, row: RfmRow): boolean {
  return row.monetary < cursor.monetary || (row.monetary === cursor.monetary && row.customerId > cursor.customerId);
}

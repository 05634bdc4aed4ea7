// RFM as both edges show it: segment counts, and a page of scored customers.
import type { RfmResult, RfmRow, RfmSegment } from '@rapport/analytics';
import type { AnalyticsScope } from './analytics-scope';

export interface RfmReport extends AnalyticsScope {
  /** Customers with a purchase in `currency` by asOf. */
  readonly customers: number;
  /** Customers per segment, every segment (zeros included). */
  readonly segments: Readonly<Record<RfmSegment, number>>;
}

export interface RfmCustomersPage extends AnalyticsScope {
  readonly segment?: RfmSegment;
  readonly items: readonly RfmRow[];
  readonly nextCursor: string | null;
}

export interface RfmPageRequest {
  readonly segment?: RfmSegment;
  /** The customerId the previous page ended with. */
  readonly after?: string;
  readonly limit: number;
}

export function presentRfm({ asOf, currency }: AnalyticsScope, result: RfmResult): RfmReport {
  return { asOf, currency, customers: result.customers.length, segments: result.segments };
}

/**
 * One page by customerId of the customers (of `segment`, if given) after
 * `after`. `cursorAfter` makes the next page's cursor from the last customerId:
 * the cursor format is the read store's, shared with its other pages.
 */
export function presentRfmCustomers(
  { asOf, currency }: AnalyticsScope,
  result: RfmResult,
  { segment, after, limit }: RfmPageRequest,
  cursorAfter: (customerId: string) => string,
): RfmCustomersPage {
  const rows = result.customers
    .filter((c) => (segment === undefined || c.segment === segment) && (after === undefined || c.customerId > after))
    .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    asOf,
    currency,
    ...(segment !== undefined ? { segment } : {}),
    items,
    nextCursor: rows.length > limit && last ? cursorAfter(last.customerId) : null,
  };
}

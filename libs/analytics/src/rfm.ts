// SPEC section 6, RFM: recency, frequency and monetary scores by rank among the
// customers with a purchase, and the segment grid of R × FM.
import type { DaySummaries } from './day-summaries';
import { summarizePurchaseDays, type CustomerPurchases, type PurchaseDaySummary } from './purchase-days';
import { countAbove, countBelow } from './stats';

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export type RfmScore = 1 | 2 | 3 | 4 | 5;
type GridRow = readonly [RfmSegment, RfmSegment, RfmSegment, RfmSegment, RfmSegment];

/**
 * The SPEC's grid, written as the SPEC draws it: one row per R score (5 at the
 * top), one column per FM score 1 … 5, so `RFM_GRID[r][fm - 1]`.
 */
export const RFM_GRID: Readonly<Record<RfmScore, GridRow>> = {
  5: ['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
  4: ['promising', 'potential_loyalist', 'loyal', 'loyal', 'champions'],
  3: ['about_to_sleep', 'need_attention', 'need_attention', 'loyal', 'loyal'],
  2: ['hibernating', 'about_to_sleep', 'at_risk', 'at_risk', 'cant_lose'],
  1: ['lost', 'hibernating', 'at_risk', 'cant_lose', 'cant_lose'],
};

export function rfmSegment(r: RfmScore, fm: RfmScore): RfmSegment {
  return RFM_GRID[r][fm - 1];
}

/** FM = round-half-up((F + M) / 2), in integers. */
export function fmScore(f: RfmScore, m: RfmScore): RfmScore {
  return Math.floor((f + m + 1) / 2) as RfmScore;
}

/** Score of v among N values where a higher value is better: 1 + floor(5 · #{w < v} / N). */
export function scoreHigherIsBetter(sortedAscending: readonly number[], v: number): RfmScore {
  return (1 + Math.floor((5 * countBelow(sortedAscending, v)) / sortedAscending.length)) as RfmScore;
}

/** Score of v among N values where a lower value is better: 1 + floor(5 · #{w > v} / N). */
export function scoreLowerIsBetter(sortedAscending: readonly number[], v: number): RfmScore {
  return (1 + Math.floor((5 * countAbove(sortedAscending, v)) / sortedAscending.length)) as RfmScore;
}

export interface RfmRow {
  readonly customerId: string;
  /** R: days since the last purchase-day, as of day(asOf). */
  readonly recencyDays: number;
  /** F: purchase-days. */
  readonly frequency: number;
  /** M: total amount, minor units. */
  readonly monetary: number;
  readonly r: RfmScore;
  readonly f: RfmScore;
  readonly m: RfmScore;
  readonly fm: RfmScore;
  readonly segment: RfmSegment;
}

export interface RfmResult {
  readonly customers: readonly RfmRow[];
  /** Customers per segment, every segment present (zeros included), in RFM_SEGMENTS order. */
  readonly segments: Readonly<Record<RfmSegment, number>>;
}

/** RFM of every customer with a purchase as of `asOf`. O(N log N): one sort per dimension, then binary search. */
export function rfm(customers: readonly CustomerPurchases[], asOf: string): RfmResult {
  return rfmFromSummaries(summarizePurchaseDays(customers, asOf));
}

/** What RFM reads of each customer's purchase-day summary. */
type RfmInputs = Pick<DaySummaries, 'length' | 'customerId' | 'daysSinceLast' | 'frequency' | 'totalAmount'>;

/** RFM from purchase-day summaries (customers with ≥ 1 purchase-day), as objects or packed. */
export function rfmFromSummaries(summaries: readonly PurchaseDaySummary[] | DaySummaries): RfmResult {
  const input: RfmInputs = isObjectList(summaries) ? objectInputs(summaries) : summaries;
  const column = (value: (i: number) => number) => Float64Array.from({ length: input.length }, (_, i) => value(i));
  const recency = column((i) => input.daysSinceLast(i));
  const frequency = column((i) => input.frequency(i) + 1);
  const monetary = column((i) => input.totalAmount(i));
  // Sorted copies to score against; a typed array sorts numerically.
  const rs = Array.from(recency.slice().sort());
  const fs = Array.from(frequency.slice().sort());
  const ms = Array.from(monetary.slice().sort());
  const segments = Object.fromEntries(RFM_SEGMENTS.map((s) => [s, 0])) as Record<RfmSegment, number>;
  const rows = Array.from({ length: input.length }, (_, i): RfmRow => {
    const recencyDays = recency[i]!;
    const r = scoreLowerIsBetter(rs, recencyDays);
    const f = scoreHigherIsBetter(fs, frequency[i]!);
    const m = scoreHigherIsBetter(ms, monetary[i]!);
    const fm = fmScore(f, m);
    const segment = rfmSegment(r, fm);
    segments[segment] += 1;
    return { customerId: input.customerId(i), recencyDays, frequency: frequency[i]!, monetary: monetary[i]!, r, f, m, fm, segment };
  });
  return { customers: rows, segments };
}

// Told apart by shape, not by class: a second copy of the module would not pass `instanceof`.
function isObjectList(summaries: readonly PurchaseDaySummary[] | DaySummaries): summaries is readonly PurchaseDaySummary[] {
  return Array.isArray(summaries);
}

function objectInputs(summaries: readonly PurchaseDaySummary[]): RfmInputs {
  return {
    length: summaries.length,
    customerId: (i) => summaries[i]!.customerId,
    daysSinceLast: (i) => summaries[i]!.daysSinceLast,
    frequency: (i) => summaries[i]!.frequency,
    totalAmount: (i) => summaries[i]!.totalAmount,
  };
}

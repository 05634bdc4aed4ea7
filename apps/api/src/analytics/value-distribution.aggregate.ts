// Value and risk as the workspace draws them (SPEC section 11): the CLV
// distribution as a histogram, and P(alive) against past value as a grid of
// counts. Both bin on the server, from the ranked customers the analytics
// service already computes, so the page receives tens of numbers, not one row
// per customer.
import { minorUnits, type RankedCustomer } from '@rapport/application';

export interface HistogramBin {
  /** Inclusive lower bound, minor units. */
  readonly lower: number;
  /** Exclusive upper bound; null for the last bin, which holds everything from `lower` up. */
  readonly upper: number | null;
  readonly customers: number;
  /** CLV of the bin's customers, summed. */
  readonly clv: number;
}

export interface ClvHistogram {
  /** Customers with a CLV (a Gamma-Gamma spend in the currency). */
  readonly customers: number;
  /** Customers with a purchase in the currency but no CLV (no repeat purchase-day to fit spend on). */
  readonly withoutClv: number;
  readonly totalClv: number;
  /** Width of each closed bin; null when no customer has a CLV. */
  readonly binWidth: number | null;
  readonly bins: readonly HistogramBin[];
}

/** Share of customers past which the histogram stops widening: the long tail goes in one open bin instead of flattening the rest. */
const TAIL_QUANTILE = 0.99;

/**
 * `bins` − 1 bins of one "nice" width (1, 2, 2.5 or 5 × 10^k minor units)
 * spanning [0, the 99th percentile], and a last open bin for the tail.
 */
export function clvHistogram(ranked: readonly RankedCustomer[], bins: number): ClvHistogram {
  // Each CLV in whole minor units, as the value ranking shows it: the sums are then exact integers.
  const values = ranked.flatMap((c) => (c.clv === null ? [] : [Math.max(0, minorUnits(c.clv))])).sort((a, b) => a - b);
  const base = { customers: values.length, withoutClv: ranked.length - values.length, totalClv: sum(values) };
  if (values.length === 0) return { ...base, binWidth: null, bins: [] };
  const closed = Math.max(1, bins - 1);
  const width = niceStep(quantile(values, TAIL_QUANTILE) / closed);
  const counts = Array.from({ length: closed + 1 }, (_, i) => ({ lower: i * width, upper: i < closed ? (i + 1) * width : null, customers: 0, clv: 0 }));
  for (const v of values) {
    const bin = counts[Math.min(closed, Math.floor(v / width))]!;
    bin.customers += 1;
    bin.clv += v;
  }
  return { ...base, binWidth: width, bins: counts };
}

export interface ValueBand {
  readonly lower: number;
  /** Null for the top band (everything from `lower` up). */
  readonly upper: number | null;
}

export interface PAliveValueCell {
  /** Index into pAliveBands and valueBands. */
  readonly pAliveBand: number;
  readonly valueBand: number;
  readonly customers: number;
  /** Spend so far of the cell's customers, minor units. */
  readonly pastValue: number;
  /** pastValue × (1 − P(alive)) summed: what the cell is likely to take with it. */
  readonly valueAtRisk: number;
}

export interface PAliveByValue {
  readonly customers: number;
  /** [lower, upper) of P(alive), the last closed at 1. */
  readonly pAliveBands: readonly { readonly lower: number; readonly upper: number }[];
  /** Past-value bands at the quantiles of past value, so each holds about as many customers. */
  readonly valueBands: readonly ValueBand[];
  /** Every band pair, zeros included, valueBand-major. */
  readonly cells: readonly PAliveValueCell[];
}

/** P(alive) in `pAliveBands` equal bands against past value in `valueBands` quantile bands. */
export function pAliveByValue(ranked: readonly RankedCustomer[], pAliveBandCount: number, valueBandCount: number): PAliveByValue {
  const pAliveBands = Array.from({ length: pAliveBandCount }, (_, i) => ({ lower: i / pAliveBandCount, upper: (i + 1) / pAliveBandCount }));
  const sorted = ranked.map((c) => c.pastValue).sort((a, b) => a - b);
  // Band i starts at the first value past the first i/n of customers; equal cut points (most spent the same) merge, so no band is empty by construction.
  const cutAt = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length))]!;
  const cuts = sorted.length === 0 ? [] : [...new Set(Array.from({ length: valueBandCount - 1 }, (_, i) => cutAt((i + 1) / valueBandCount)))].filter((cut) => cut > sorted[0]!);
  const lowers = sorted.length === 0 ? [] : [0, ...cuts];
  const valueBands: ValueBand[] = lowers.map((lower, i) => ({ lower, upper: lowers[i + 1] ?? null }));
  const cells = valueBands.flatMap((_, valueBand) =>
    pAliveBands.map((_, pAliveBand): { pAliveBand: number; valueBand: number; customers: number; pastValue: number; valueAtRisk: number } => ({
      pAliveBand,
      valueBand,
      customers: 0,
      pastValue: 0,
      valueAtRisk: 0,
    })),
  );
  for (const c of ranked) {
    const p = Math.min(pAliveBandCount - 1, Math.max(0, Math.floor(c.pAlive * pAliveBandCount)));
    const v = bandOf(lowers, c.pastValue);
    const cell = cells[v * pAliveBandCount + p]!;
    cell.customers += 1;
    cell.pastValue += c.pastValue;
    cell.valueAtRisk += minorUnits(c.valueAtRisk);
  }
  return { customers: ranked.length, pAliveBands, valueBands, cells };
}

/** The last band whose lower bound is ≤ v. */
function bandOf(lowers: readonly number[], v: number): number {
  let band = 0;
  for (let i = 1; i < lowers.length; i++) if (v >= lowers[i]!) band = i;
  return band;
}

/** Nearest-rank quantile of ascending values. */
export function quantile(ascending: readonly number[], q: number): number {
  if (ascending.length === 0) return 0;
  return ascending[Math.min(ascending.length - 1, Math.max(0, Math.ceil(q * ascending.length) - 1))]!;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ x, and never under 1 minor unit. */
export function niceStep(x: number): number {
  if (!(x > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  // 2.5 only from 25 up: a bin edge is a whole minor unit.
  for (const m of magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10]) if (m * magnitude >= x) return m * magnitude;
  return 10 * magnitude;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

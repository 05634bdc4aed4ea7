// Money leaves Rapport in whole minor units of the currency its report names:
// amounts are recorded that way, sums of them stay integers, and a model's
// estimate is rounded to the minor unit — a fraction of a cent is noise, not
// precision. The unrounded values stay inside, where decisions are made.
import type { Interval, PredictionIntervals } from '../analytics.service';

/** The nearest whole minor unit (never -0). */
export function minorUnits(value: number): number {
  return Math.round(value) + 0;
}

export function minorUnitsOrNull(value: number | null): number | null {
  return value === null ? null : minorUnits(value);
}

function intervalInMinorUnits(interval: Interval | null): Interval | null {
  return interval === null ? null : { low: minorUnits(interval.low), high: minorUnits(interval.high) };
}

/** A customer's intervals with the money ones (expected spend, CLV) in whole minor units. */
export function presentIntervals(intervals: PredictionIntervals | null): PredictionIntervals | null {
  return intervals === null ? null : { ...intervals, expectedSpend: intervalInMinorUnits(intervals.expectedSpend), clv: intervalInMinorUnits(intervals.clv) };
}

// Summaries of repeated measurements: the median of several runs with its
// spread, and latency percentiles.

/** Median of the runs, and how far they spread around it. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  /** (max − min) / 2 / median: ± this fraction covers every run. */
  readonly spread: number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Linear interpolation between closest ranks (the common "type 7" definition). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100]; got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function summarize(runs: readonly number[]): Summary {
  if (runs.length === 0) throw new RangeError('summary of no runs');
  const mid = median(runs);
  const min = Math.min(...runs);
  const max = Math.max(...runs);
  return { median: mid, min, max, runs: [...runs], spread: mid === 0 ? 0 : (max - min) / 2 / mid };
}

/** Least-squares slope of log(y) on log(x): 1 means y grows linearly with x. */
export function growthExponent(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) throw new RangeError('growth needs at least two points');
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

// Small numerical helpers shared by the models and the reports.

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, exp, log1p, max } = Math;
const NEGATIVE_INFINITY = -Infinity;

/** Median of a list of numbers (mean of the two middle ones for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `numerator / denominator`, or 0 when nothing was counted. */
export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** log(e^a + e^b) without overflow or underflow. */
export function logAddExp(a: number, b: number): number {
  if (a === NEGATIVE_INFINITY) return b;
  if (b === NEGATIVE_INFINITY) return a;
  const m = max(a, b);
  return m + log1p(exp(-abs(a - b)));
}

/** Number of elements of an ascending array that are < v (binary search). */
export function countBelow(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of an ascending array that are > v (binary search). */
export function countAbove(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/**
 * Groups equal observations so a likelihood sums each distinct one once,
 * weighted by its count: CDNOW's 2,357 customers are far fewer distinct
 * (x, t_x, T) triples, and the sum is the same.
 */
export function groupCounts<T>(items: readonly T[], key: (item: T) => string): { item: T; count: number }[] {
  const groups = new Map<string, { item: T; count: number }>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.count += 1;
    else groups.set(k, { item, count: 1 });
  }
  return [...groups.values()];
}

/** Items grouped by key, in first-seen order. */
export function groupItems<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

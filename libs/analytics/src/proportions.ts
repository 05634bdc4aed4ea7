// Intervals for proportions and their difference: what a playbook's results
// report for the uplift of treatment over its holdout group.

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/**
 * Wilson's score interval for `successes` of `trials` (Wilson 1927). With no
 * trials there is nothing to know: [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (trials === 0) return { lower: 0, upper: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // Exactly 0 and 1 at the ends, not 1e-17 either side.
  return { lower: successes === 0 ? 0 : Math.max(0, centre - half), upper: successes === trials ? 1 : Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for p1 − p2 of two independent proportions
 * (Newcombe 1998, method 10): Wilson intervals of each, combined. Sound with
 * small groups and rates near 0 or 1, where the Wald interval is not.
 */
export function newcombeInterval(successes1: number, trials1: number, successes2: number, trials2: number, z = Z_95): Interval {
  const p1 = trials1 === 0 ? 0 : successes1 / trials1;
  const p2 = trials2 === 0 ? 0 : successes2 / trials2;
  const a = wilsonInterval(successes1, trials1, z);
  const b = wilsonInterval(successes2, trials2, z);
  const difference = p1 - p2;
  return {
    lower: difference - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2),
    upper: difference + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2),
  };
}

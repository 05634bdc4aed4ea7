// Nelder–Mead downhill simplex (Nelder & Mead 1965), the standard variant with
// reflection 1, expansion 2, contraction ½ and shrink ½ (Lagarias et al. 1998),
// as scipy.optimize.fmin runs it, plus the restart test Numerical Recipes
// recommends: a minimum is accepted only when a fresh simplex started there
// finds nothing better. Deterministic: no random numbers, no clock.

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, max } = Math;
const { isFinite } = Number;
const INFINITY = Infinity;

export interface NelderMeadOptions {
  /** Initial simplex: x0 and x0 + step·e_i (one step for all coordinates, or one each). Default 0.5. */
  readonly step?: number | readonly number[];
  /** Total iterations over all restarts. Default 5,000. */
  readonly maxIterations?: number;
  /** Stop a run when the simplex's values differ by ≤ fTolerance · (1 + |f_best|). Default 1e-12. */
  readonly fTolerance?: number;
  /** … and its vertices differ from the best by ≤ xTolerance in every coordinate. Default 1e-8. */
  readonly xTolerance?: number;
  /** Restarts from the best point allowed before giving up. Default 10. */
  readonly maxRestarts?: number;
}

export type NelderMeadResult =
  | {
      readonly converged: true;
      readonly x: readonly number[];
      readonly f: number;
      readonly iterations: number;
      readonly evaluations: number;
    }
  | {
      readonly converged: false;
      readonly reason: string;
      /** The best point seen, for diagnosis only. */
      readonly x: readonly number[];
      readonly f: number;
      readonly iterations: number;
      readonly evaluations: number;
    };

/**
 * Minimises `fn` from `x0`. Non-finite values count as +∞, so an objective can
 * fence off a region by returning Infinity there.
 *
 * Converged means: a run stopped on the f and x tolerances, and a restart from
 * its best point (a fresh simplex of the initial size) stopped again without
 * improving f by more than the f tolerance or moving by more than the x
 * tolerance. Otherwise the result says why not (iteration limit, a non-finite
 * start).
 */
export function nelderMead(
  fn: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  const maxIterations = options.maxIterations ?? 5_000;
  const fTol = options.fTolerance ?? 1e-12;
  const xTol = options.xTolerance ?? 1e-8;
  const maxRestarts = options.maxRestarts ?? 10;
  const steps = typeof options.step === 'number' || options.step === undefined ? new Array<number>(n).fill(options.step ?? 0.5) : [...options.step];
  if (steps.length !== n) throw new RangeError('step needs one entry per coordinate');

  let evaluations = 0;
  const f = (x: readonly number[]): number => {
    evaluations += 1;
    const v = fn(x);
    return isFinite(v) ? v : INFINITY;
  };

  let best = [...x0];
  let fBest = f(best);
  if (fBest === INFINITY) {
    return { converged: false, reason: 'the objective is not finite at the starting point', x: best, f: fBest, iterations: 0, evaluations };
  }
  let iterations = 0;
  let previous: { x: number[]; f: number } | undefined;
  for (let run = 0; run <= maxRestarts; run++) {
    const outcome = simplexRun(f, best, fBest, steps, fTol, xTol, maxIterations - iterations);
    iterations += outcome.iterations;
    best = outcome.x;
    fBest = outcome.f;
    if (!outcome.stopped) {
      return { converged: false, reason: `no convergence within ${maxIterations} iterations`, x: best, f: fBest, iterations, evaluations };
    }
    if (previous && previous.f - fBest <= fTol * (1 + abs(fBest)) && maxAbsDiff(previous.x, best) <= xTol) {
      return { converged: true, x: best, f: fBest, iterations, evaluations };
    }
    previous = { x: best, f: fBest };
  }
  return {
    converged: false,
    reason: `each of ${maxRestarts} restarts still improved the minimum`,
    x: best,
    f: fBest,
    iterations,
    evaluations,
  };
}

function simplexRun(
  f: (x: readonly number[]) => number,
  x0: number[],
  f0: number,
  steps: readonly number[],
  fTol: number,
  xTol: number,
  budget: number,
): { x: number[]; f: number; iterations: number; stopped: boolean } {
  const n = x0.length;
  const simplex: { x: number[]; f: number }[] = [{ x: x0, f: f0 }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] += steps[i];
    simplex.push({ x, f: f(x) });
  }
  let iterations = 0;
  for (;;) {
    // Stable sort: ties keep their order, so runs are reproducible.
    simplex.sort((p, q) => p.f - q.f);
    const bestV = simplex[0];
    const worst = simplex[n];
    let fSpread = 0;
    let xSpread = 0;
    for (let i = 1; i <= n; i++) {
      fSpread = max(fSpread, abs(simplex[i].f - bestV.f));
      xSpread = max(xSpread, maxAbsDiff(simplex[i].x, bestV.x));
    }
    if (bestV.f < INFINITY && fSpread <= fTol * (1 + abs(bestV.f)) && xSpread <= xTol) {
      return { x: bestV.x, f: bestV.f, iterations, stopped: true };
    }
    if (iterations >= budget) return { x: bestV.x, f: bestV.f, iterations, stopped: false };
    iterations += 1;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i].x[j] / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (c - worst.x[j]));

    const xr = along(1);
    const fr = f(xr);
    if (fr < bestV.f) {
      const xe = along(2);
      const fe = f(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
      continue;
    }
    if (fr < simplex[n - 1].f) {
      simplex[n] = { x: xr, f: fr };
      continue;
    }
    if (fr < worst.f) {
      const xc = along(0.5);
      const fc = f(xc);
      if (fc <= fr) {
        simplex[n] = { x: xc, f: fc };
        continue;
      }
    } else {
      const xcc = along(-0.5);
      const fcc = f(xcc);
      if (fcc < worst.f) {
        simplex[n] = { x: xcc, f: fcc };
        continue;
      }
    }
    for (let i = 1; i <= n; i++) {
      const x = simplex[i].x.map((v, j) => bestV.x[j] + 0.5 * (v - bestV.x[j]));
      simplex[i] = { x, f: f(x) };
    }
  }
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = max(m, abs(a[i] - b[i]));
  return m;
}

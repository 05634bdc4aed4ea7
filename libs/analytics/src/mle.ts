// Maximum likelihood over positive parameters: Nelder–Mead on their logarithms
// (so positivity needs no constraint and scale differences vanish), inside a
// box that keeps exp() finite, with checks that the optimum is a real interior
// maximum. A fit that fails any check says so and carries no `params`.
import { nelderMead, type NelderMeadOptions } from './nelder-mead';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, exp } = Math;
const INFINITY = Infinity;

export type FitResult<P> =
  | {
      readonly converged: true;
      readonly params: P;
      /** The maximised log-likelihood (sum over customers). */
      readonly logLikelihood: number;
      readonly iterations: number;
      readonly evaluations: number;
    }
  | {
      readonly converged: false;
      /** Why there is no estimate. */
      readonly reason: string;
      readonly iterations: number;
      /** Where the search stopped, for diagnosis only: not an estimate. */
      readonly lastParams?: P;
      readonly lastLogLikelihood?: number;
    };

export interface FitOptions<P> extends NelderMeadOptions {
  /** Starting values; the model's defaults otherwise. */
  readonly start?: Partial<P>;
}

/** The search never leaves |log θ| ≤ 30; an optimum with |log θ| ≥ 20 (θ < 2·10⁻⁹ or θ > 5·10⁸) is on the boundary. */
const LOG_BOX = 30;
const LOG_BOUNDARY = 20;
/** A search that did not converge with |log θ| ≥ 12 (θ < 6·10⁻⁶ or θ > 1.6·10⁵) is reported as drifting. */
const LOG_DRIFT = 12;
/** Step for the curvature check, in log-parameter units. */
const CURVATURE_STEP = 1e-3;

/**
 * Maximises `logLikelihood` over positive parameters named `names`, starting
 * from `start`. Converged only when Nelder–Mead converged (with its restart
 * test), no parameter ran to the boundary, and the log-likelihood curves down
 * along every parameter (a flat direction means the data do not identify it).
 */
export function maximizeLikelihood<K extends string>(
  names: readonly K[],
  logLikelihood: (params: Record<K, number>) => number,
  start: Record<K, number>,
  options: NelderMeadOptions = {},
): FitResult<Record<K, number>> {
  const toParams = (theta: readonly number[]) => {
    const params = {} as Record<K, number>;
    for (let i = 0; i < names.length; i++) params[names[i]] = exp(theta[i]);
    return params;
  };
  const objective = (theta: readonly number[]) => {
    for (const t of theta) if (!(abs(t) <= LOG_BOX)) return INFINITY;
    return -logLikelihood(toParams(theta));
  };
  const theta0 = names.map((k) => {
    const v = start[k];
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`start value of ${k} must be positive and finite, got ${v}`);
    return Math.log(v);
  });
  const result = nelderMead(objective, theta0, options);
  const params = toParams(result.x);
  const diagnosis = { iterations: result.iterations, lastParams: params, lastLogLikelihood: -result.f };
  const beyond = (bound: number) => names.filter((_, i) => Math.abs(result.x[i]) >= bound);
  if (!result.converged) {
    const drifting = beyond(LOG_DRIFT);
    const hint = drifting.length > 0 ? ` (${drifting.join(', ')} drifting towards 0 or ∞: the likelihood may have no interior maximum)` : '';
    return { converged: false, reason: result.reason + hint, ...diagnosis };
  }
  const atBoundary = beyond(LOG_BOUNDARY);
  if (atBoundary.length > 0) {
    return {
      converged: false,
      reason: `${atBoundary.join(', ')} ran to the boundary of the search (0 or ∞): the likelihood has no interior maximum for these data`,
      ...diagnosis,
    };
  }
  const flat = names.filter((_, i) => {
    const up = [...result.x];
    const down = [...result.x];
    up[i] += CURVATURE_STEP;
    down[i] -= CURVATURE_STEP;
    const curvature = (objective(up) + objective(down) - 2 * result.f) / CURVATURE_STEP ** 2;
    return !(curvature > 1e-6 * (1 + Math.abs(result.f)));
  });
  if (flat.length > 0) {
    return {
      converged: false,
      reason: `the likelihood is flat in ${flat.join(', ')}: these data do not identify ${flat.length > 1 ? 'them' : 'it'}`,
      ...diagnosis,
    };
  }
  return { converged: true, params, logLikelihood: -result.f, iterations: result.iterations, evaluations: result.evaluations };
}

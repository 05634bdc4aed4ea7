// Queries answer refusals as values with stable codes; this is where they
// become RFC 9457 problems (command outcomes: write/outcome.mapper.ts).
import type { AnalyticsRefusal } from '../analytics/analytics.query';
import type { InvalidCursor } from '../read/customer.queries';
import { ProblemException } from './problem';

export type QueryRefusal = InvalidCursor | AnalyticsRefusal;

export function refusalProblem(refusal: QueryRefusal): ProblemException {
  switch (refusal.refused) {
    case 'INVALID_CURSOR':
      return new ProblemException(400, 'INVALID_CURSOR', 'Invalid cursor', refusal.message, [{ field: 'cursor', message: refusal.message }]);
    case 'MODEL_NOT_FITTED':
      return new ProblemException(422, 'MODEL_NOT_FITTED', 'Model not fitted', refusal.message);
    case 'ANSWER_TOO_LARGE':
      return new ProblemException(400, 'ANSWER_TOO_LARGE', 'Answer too large', `${refusal.message}: narrow from/to`, [
        { field: 'from', message: 'a later from narrows the answer' },
        { field: 'to', message: 'an earlier to narrows the answer' },
      ]);
  }
}

/** The answer itself, or its refusal thrown as the problem the filter renders. */
export function answerOf<T>(result: T | QueryRefusal): T {
  if (isRefusal(result)) throw refusalProblem(result);
  return result;
}

function isRefusal(result: unknown): result is QueryRefusal {
  return typeof result === 'object' && result !== null && 'refused' in result;
}

/**
 * A model's fit report, or 422 MODEL_NOT_FITTED when the fit did not converge:
 * a fit route answers the parameters or says why there are none, never a 200
 * without them.
 */
export function fittedOrRefused<F extends { readonly fit: { readonly converged: boolean; readonly reason?: string } }>(model: string, fitted: F): F {
  if (!fitted.fit.converged) throw refusalProblem({ refused: 'MODEL_NOT_FITTED', message: `${model} could not be fitted: ${fitted.fit.reason ?? 'no convergence'}` });
  return fitted;
}

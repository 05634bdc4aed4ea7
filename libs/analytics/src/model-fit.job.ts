// The costly part of the analytics: maximum-likelihood fits and their
// parameter covariances. Each is a pure function of the customers' repeat
// summaries (frequency, recency, age, mean amount), so it can run wherever
// there is a CPU to spare: here, or in a worker thread (a ModelFitter
// adapter) while the event loop goes on answering requests.
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma';
import type { FitResult } from './mle';
import { gammaGammaCovariance, purchaseModelCovariance, type ParameterCovariance } from './parameter-uncertainty';
import type { DaySummaries } from './day-summaries';
import type { RepeatSummary } from './purchase-days';
import { DAYS_PER_WEEK } from './time';
import { PURCHASE_MODEL, type PurchaseModelName, type PurchaseModelParams } from './purchase-models';

/** Summaries as the fits read them, four numbers a customer: x, t_x, T, monetary (see packSummaries). */
export type PackedSummaries = Float64Array;

export type FitJob =
  | { readonly kind: 'purchase-fit'; readonly model: PurchaseModelName; readonly summaries: PackedSummaries }
  | { readonly kind: 'purchase-covariance'; readonly model: PurchaseModelName; readonly params: PurchaseModelParams[PurchaseModelName]; readonly summaries: PackedSummaries }
  | { readonly kind: 'gamma-gamma-fit'; readonly summaries: PackedSummaries }
  | { readonly kind: 'gamma-gamma-covariance'; readonly params: GammaGammaParams; readonly summaries: PackedSummaries };

/** What each kind of job answers. */
export interface FitJobResult {
  readonly 'purchase-fit': FitResult<PurchaseModelParams[PurchaseModelName]>;
  readonly 'purchase-covariance': ParameterCovariance<string>;
  readonly 'gamma-gamma-fit': FitResult<GammaGammaParams>;
  readonly 'gamma-gamma-covariance': ParameterCovariance<'p' | 'q' | 'v'>;
}

/** `asked`: someone waits for it; `background`: computed ahead, it waits for the asked. */
export type FitPriority = 'asked' | 'background';

/** Where fits run. */
export interface ModelFitter {
  run<J extends FitJob>(job: J, priority?: FitPriority): Promise<FitJobResult[J['kind']]>;
  /** Someone now waits for a job run in the background (a promise run returned): it goes first. */
  promote(pending: Promise<unknown>): void;
  close(): Promise<void>;
}

/** Numbers per customer in a packed buffer: x, t_x, T, monetary, in that order. */
export const PACKED_WIDTH = 4;
const WIDTH = PACKED_WIDTH;

/** The numbers a fit reads, in a buffer a worker receives without copying object by object. */
export function packSummaries(summaries: readonly RepeatSummary[]): PackedSummaries {
  const packed = new Float64Array(summaries.length * WIDTH);
  summaries.forEach((s, i) => {
    packed[i * WIDTH] = s.x;
    packed[i * WIDTH + 1] = s.tx;
    packed[i * WIDTH + 2] = s.T;
    packed[i * WIDTH + 3] = s.monetary;
  });
  return packed;
}

/**
 * packSummaries of the repeat summaries of `customers` (indexes, every customer when omitted),
 * read from the packed day summaries without an object per customer on the way.
 */
export function packDaySummaries(summaries: DaySummaries, customers?: readonly number[]): PackedSummaries {
  const count = customers?.length ?? summaries.length;
  const packed = new Float64Array(count * WIDTH);
  for (let k = 0; k < count; k++) {
    const i = customers ? customers[k]! : k;
    packed[k * WIDTH] = summaries.frequency(i);
    packed[k * WIDTH + 1] = summaries.recencyDays(i) / DAYS_PER_WEEK;
    packed[k * WIDTH + 2] = summaries.ageDays(i) / DAYS_PER_WEEK;
    packed[k * WIDTH + 3] = summaries.monetary(i);
  }
  return packed;
}

/** Customers in a packed buffer. */
export function packedCustomers(packed: PackedSummaries): number {
  return packed.length / WIDTH;
}

/** The summaries back, without customer ids (no fit reads them). */
export function unpackSummaries(packed: PackedSummaries): RepeatSummary[] {
  const out: RepeatSummary[] = new Array(packed.length / WIDTH);
  for (let i = 0; i < out.length; i++) {
    out[i] = { customerId: '', x: packed[i * WIDTH]!, tx: packed[i * WIDTH + 1]!, T: packed[i * WIDTH + 2]!, monetary: packed[i * WIDTH + 3]! };
  }
  return out;
}

/** Runs one job, here and now. */
export function runFitJob<J extends FitJob>(job: J): FitJobResult[J['kind']] {
  const customers = unpackSummaries(job.summaries);
  switch (job.kind) {
    case 'purchase-fit':
      return PURCHASE_MODEL[job.model].estimate(customers) as FitJobResult[J['kind']];
    case 'purchase-covariance':
      return purchaseModelCovariance(job.model, job.params, customers) as FitJobResult[J['kind']];
    case 'gamma-gamma-fit':
      return fitGammaGamma(customers) as FitJobResult[J['kind']];
    case 'gamma-gamma-covariance':
      return gammaGammaCovariance(job.params, customers) as FitJobResult[J['kind']];
    default: {
      const never: never = job;
      throw new Error(`unknown fit job kind ${String((never as { kind?: unknown }).kind)}`);
    }
  }
}

/** Fits on the calling thread: the default, and what a small population needs. */
export const inProcessModelFitter: ModelFitter = {
  run: async (job) => runFitJob(job),
  promote: () => undefined,
  close: async () => undefined,
};

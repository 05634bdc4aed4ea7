// The three purchase models behind one interface, so validation, ranking and
// the routes treat them alike: each is fitted on the same (x, t_x, T)
// summaries and answers P(alive) and conditional expected purchases.
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdExpectedPurchases,
  bgnbdExpectedPurchasesIfAlive,
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodOf,
  bgnbdProbabilityAlive,
  fitBgNbd,
  type BgNbdParams,
} from './bgnbd';
import {
  fitMbgNbd,
  mbgnbdConditionalExpectedPurchases,
  mbgnbdExpectedPurchases,
  mbgnbdExpectedPurchasesIfAlive,
  mbgnbdLogLikelihood,
  mbgnbdLogLikelihoodOf,
  mbgnbdProbabilityAlive,
  type MbgNbdParams,
} from './mbg-nbd';
import type { FitOptions, FitResult } from './mle';
import {
  fitParetoNbd,
  paretoNbdConditionalExpectedPurchases,
  paretoNbdExpectedPurchases,
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdLogLikelihood,
  paretoNbdLogLikelihoodOf,
  paretoNbdProbabilityAlive,
  type ParetoNbdParams,
} from './pareto-nbd';
import type { PurchaseModelCustomer } from './repeat-customers';

/** The models' names as the routes spell them. */
export const PURCHASE_MODELS = ['bgnbd', 'pareto-nbd', 'mbg-nbd'] as const;
export type PurchaseModelName = (typeof PURCHASE_MODELS)[number];

/** What a setting or `?model=` may ask for: a model, or `best`, the best-ranked by holdout MAPE. */
export const PURCHASE_MODEL_CHOICES = [...PURCHASE_MODELS, 'best'] as const;
export type PurchaseModelChoice = (typeof PURCHASE_MODEL_CHOICES)[number];

export interface PurchaseModelParams {
  readonly bgnbd: BgNbdParams;
  readonly 'pareto-nbd': ParetoNbdParams;
  readonly 'mbg-nbd': MbgNbdParams;
}

export interface PurchaseModel<P> {
  readonly name: PurchaseModelName;
  /** As the literature writes it: BG/NBD, Pareto/NBD, MBG/NBD. */
  readonly label: string;
  /** Parameter names in the order the literature lists them. */
  readonly parameters: readonly (keyof P & string)[];
  estimate(customers: readonly PurchaseModelCustomer[], options?: FitOptions<P>): FitResult<P>;
  logLikelihood(params: P, customer: PurchaseModelCustomer): number;
  /** Σ log-likelihood over these customers as a function of the parameters (grouped once). */
  logLikelihoodOf(customers: readonly PurchaseModelCustomer[]): (params: P) => number;
  probabilityAlive(params: P, customer: PurchaseModelCustomer): number;
  /** E[Y(t) | x, t_x, T]: expected repeat purchase-days in the next t weeks. */
  conditionalExpectedPurchases(params: P, customer: PurchaseModelCustomer, t: number): number;
  /** E[Y(t)] of a customer known to be alive at T: conditionalExpectedPurchases = probabilityAlive × this. */
  expectedPurchasesIfAlive(params: P, customer: { readonly x: number; readonly T: number }, t: number): number;
  /** E[X(t)]: expected repeat purchase-days of a new customer in her first t weeks. */
  expectedPurchases(params: P, t: number): number;
}

export type AnyPurchaseModel = { readonly [M in PurchaseModelName]: PurchaseModel<PurchaseModelParams[M]> }[PurchaseModelName];

export const PURCHASE_MODEL: { readonly [M in PurchaseModelName]: PurchaseModel<PurchaseModelParams[M]> } = {
  bgnbd: {
    name: 'bgnbd',
    label: 'BG/NBD',
    parameters: ['r', 'alpha', 'a', 'b'],
    estimate: fitBgNbd,
    logLikelihood: bgnbdLogLikelihood,
    logLikelihoodOf: bgnbdLogLikelihoodOf,
    probabilityAlive: bgnbdProbabilityAlive,
    conditionalExpectedPurchases: bgnbdConditionalExpectedPurchases,
    expectedPurchasesIfAlive: bgnbdExpectedPurchasesIfAlive,
    expectedPurchases: bgnbdExpectedPurchases,
  },
  'pareto-nbd': {
    name: 'pareto-nbd',
    label: 'Pareto/NBD',
    parameters: ['r', 'alpha', 's', 'beta'],
    estimate: fitParetoNbd,
    logLikelihood: paretoNbdLogLikelihood,
    logLikelihoodOf: paretoNbdLogLikelihoodOf,
    probabilityAlive: paretoNbdProbabilityAlive,
    conditionalExpectedPurchases: paretoNbdConditionalExpectedPurchases,
    expectedPurchasesIfAlive: paretoNbdExpectedPurchasesIfAlive,
    expectedPurchases: paretoNbdExpectedPurchases,
  },
  'mbg-nbd': {
    name: 'mbg-nbd',
    label: 'MBG/NBD',
    parameters: ['r', 'alpha', 'a', 'b'],
    estimate: fitMbgNbd,
    logLikelihood: mbgnbdLogLikelihood,
    logLikelihoodOf: mbgnbdLogLikelihoodOf,
    probabilityAlive: mbgnbdProbabilityAlive,
    conditionalExpectedPurchases: mbgnbdConditionalExpectedPurchases,
    expectedPurchasesIfAlive: mbgnbdExpectedPurchasesIfAlive,
    expectedPurchases: mbgnbdExpectedPurchases,
  },
};

export function isPurchaseModelName(name: string): name is PurchaseModelName {
  return (PURCHASE_MODELS as readonly string[]).includes(name);
}

// @rapport/analytics: the analyses of SPEC section 6 as pure functions over
// per-customer facts. No I/O and no clock: every analysis takes `asOf` and
// counts only what occurred by then. Money is integer minor units of one
// currency; callers pass one currency's purchases.
export * from './purchase-days';
export * from './purchase-ledger';
export * from './day-summaries';
export * from './rfm';
export * from './bgnbd';
export * from './pareto-nbd';
export * from './mbg-nbd';
export type { PurchaseModelCustomer } from './repeat-customers';
export * from './purchase-models';
export * from './holdout-validation';
export * from './parameter-uncertainty';
export * from './gamma-gamma';
export * from './clv';
export * from './offer-response';
export * from './funnel';
export * from './cohorts';
export * from './complaints';
export * from './win-back';
export * from './revenue';
export * from './currencies';
export * from './answer-bounds';
export type { FitResult, FitOptions } from './mle';
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from './nelder-mead';
export * from './proportions';
export * from './model-fit.job';

// Holdout validation of the purchase models (SPEC section 6): fit on the
// purchases up to calibrationEnd, predict each customer's repeat purchase-days
// in (calibrationEnd, holdoutEnd] with the model's conditional expectation,
// and compare with what happened — per calibration frequency 0 … 6, 7+ and
// week by week cumulatively, summarised as a mean absolute percentage error
// (the checks of Fader, Hardie & Lee 2005, figures 3 and 4). Models are ranked
// by that error.
import type { FitResult } from './mle';
import { purchaseDays, type CustomerPurchases } from './purchase-days';
import { PURCHASE_MODEL, PURCHASE_MODELS, type PurchaseModel, type PurchaseModelName, type PurchaseModelParams } from './purchase-models';
import { DAYS_PER_WEEK, dayNumber, instant, isoDate } from './time';

/** A customer seen by calibrationEnd: the calibration summary in weeks, and the holdout's repeat purchase-days. */
export interface HoldoutCustomer {
  readonly customerId: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  /**
   * Each purchase-day in (calibrationEnd, holdoutEnd] that is not already one
   * of the calibration's, as whole days after calibrationEnd's day, ascending.
   * 0 is a purchase later on calibrationEnd's own day (it counts in week 1).
   */
  readonly holdoutDays: readonly number[];
}

export interface HoldoutData {
  readonly calibrationEnd: string;
  readonly holdoutEnd: string;
  /** Whole days from calibrationEnd's day to holdoutEnd's: the holdout's length, t = holdoutDays / 7 weeks. */
  readonly holdoutDays: number;
  readonly customers: readonly HoldoutCustomer[];
}

/** Calibration frequencies 0 … 6 each, then 7 and more together. */
export const FREQUENCY_BUCKETS = ['0', '1', '2', '3', '4', '5', '6', '7+'] as const;
export type FrequencyBucket = (typeof FREQUENCY_BUCKETS)[number];

export interface HoldoutBucket {
  readonly frequency: FrequencyBucket;
  readonly customers: number;
  /** Mean repeat purchase-days in the holdout; null for an empty bucket. */
  readonly meanActual: number | null;
  /** Mean of E[Y(t) | x, t_x, T] over the bucket's customers; null for an empty bucket. */
  readonly meanPredicted: number | null;
}

export interface HoldoutWeek {
  /** 1, 2, …: the week ending `day` days after calibrationEnd's day (the last may be shorter). */
  readonly week: number;
  readonly day: number;
  /** `YYYY-MM-DD` of that day. */
  readonly date: string;
  /** Repeat purchase-days of all customers in the holdout up to that day. */
  readonly actual: number;
  /** Σ E[Y(day / 7) | x, t_x, T] over the customers. */
  readonly predicted: number;
}

export interface HoldoutValidation {
  readonly customers: number;
  readonly holdoutWeeks: number;
  readonly buckets: readonly HoldoutBucket[];
  readonly tracking: readonly HoldoutWeek[];
  /**
   * Mean over the weeks of |predicted − actual| / actual of the cumulative
   * tracking, in percent; weeks with no purchase yet (actual 0) are left
   * out, and it is null when every week is.
   */
  readonly mapePercent: number | null;
}

/** The holdout's longest span: ten years, so a tracking answer has at most 522 weeks. */
export const MAX_HOLDOUT_DAYS = 3_653;

/** Whole UTC days from calibrationEnd's day to holdoutEnd's (RFC 3339 instants): the holdout's length. */
export function holdoutSpanDays(calibrationEnd: string, holdoutEnd: string): number {
  return dayNumber(instant(holdoutEnd, 'holdoutEnd')) - dayNumber(instant(calibrationEnd, 'calibrationEnd'));
}

/**
 * Splits each customer's purchases at calibrationEnd. Customers without a
 * purchase by then are not in the calibration and are left out, as the fit
 * leaves them out. Throws RangeError unless holdoutEnd is on a later day than
 * calibrationEnd and at most MAX_HOLDOUT_DAYS after it.
 */
export function holdoutData(customers: readonly CustomerPurchases[], calibrationEnd: string, holdoutEnd: string): HoldoutData {
  const calibrationAt = instant(calibrationEnd, 'calibrationEnd');
  const holdoutAt = instant(holdoutEnd, 'holdoutEnd');
  const calibrationDay = dayNumber(calibrationAt);
  const holdoutDays = holdoutSpanDays(calibrationEnd, holdoutEnd);
  if (!(holdoutDays >= 1)) throw new RangeError('holdoutEnd must be on a later day than calibrationEnd');
  if (holdoutDays > MAX_HOLDOUT_DAYS) throw new RangeError(`the holdout may span at most ${MAX_HOLDOUT_DAYS} days; it spans ${holdoutDays}`);
  const out: HoldoutCustomer[] = [];
  for (const c of customers) {
    const calibration = purchaseDays(c.purchases, calibrationAt);
    if (calibration.length === 0) continue;
    const seen = new Set(calibration.map((d) => d.day));
    const first = calibration[0].day;
    const last = calibration[calibration.length - 1].day;
    out.push({
      customerId: c.customerId,
      x: calibration.length - 1,
      tx: (last - first) / DAYS_PER_WEEK,
      T: (calibrationDay - first) / DAYS_PER_WEEK,
      holdoutDays: purchaseDays(c.purchases, holdoutAt)
        .filter((d) => !seen.has(d.day))
        .map((d) => d.day - calibrationDay),
    });
  }
  return { calibrationEnd, holdoutEnd, holdoutDays, customers: out };
}

function bucketOf(x: number): number {
  return Math.min(x, FREQUENCY_BUCKETS.length - 1);
}

/**
 * Validates a fitted model on the holdout. E[Y(t) | x, t_x, T] is P(alive)
 * times the expectation of a customer alive at T, which depends on (x, T)
 * alone: P(alive) is computed once per customer, the rest once per distinct
 * (x, T) and week.
 */
export function validateHoldout<M extends PurchaseModelName>(model: M, params: PurchaseModelParams[M], data: HoldoutData): HoldoutValidation {
  const { probabilityAlive, expectedPurchasesIfAlive } = PURCHASE_MODEL[model] as unknown as PurchaseModel<PurchaseModelParams[M]>;
  const weeks = Math.ceil(data.holdoutDays / DAYS_PER_WEEK);
  const cutoffs = Array.from({ length: weeks }, (_, k) => Math.min((k + 1) * DAYS_PER_WEEK, data.holdoutDays));

  // Σ P(alive) per distinct (x, T), overall and per frequency bucket (x fixes the bucket).
  const alive = new Map<string, { x: number; T: number; sum: number }>();
  for (const c of data.customers) {
    const key = `${c.x}|${c.T}`;
    const p = probabilityAlive(params, c);
    const group = alive.get(key);
    if (group) group.sum += p;
    else alive.set(key, { x: c.x, T: c.T, sum: p });
  }
  const predicted = new Array<number>(weeks).fill(0);
  const bucketPredicted = new Array<number>(FREQUENCY_BUCKETS.length).fill(0);
  for (const group of alive.values()) {
    for (let k = 0; k < weeks; k++) {
      const e = group.sum * expectedPurchasesIfAlive(params, group, cutoffs[k] / DAYS_PER_WEEK);
      predicted[k] += e;
      if (k === weeks - 1) bucketPredicted[bucketOf(group.x)] += e;
    }
  }

  // Purchase-days per day of the holdout, then cumulated at each week's end.
  const perDay = new Array<number>(data.holdoutDays + 1).fill(0);
  const bucketCustomers = new Array<number>(FREQUENCY_BUCKETS.length).fill(0);
  const bucketActual = new Array<number>(FREQUENCY_BUCKETS.length).fill(0);
  for (const c of data.customers) {
    for (const d of c.holdoutDays) perDay[d] += 1;
    bucketCustomers[bucketOf(c.x)] += 1;
    bucketActual[bucketOf(c.x)] += c.holdoutDays.length;
  }
  const calibrationDay = dayNumber(instant(data.calibrationEnd));
  const tracking: HoldoutWeek[] = [];
  let actual = 0;
  let day = 0;
  for (let k = 0; k < weeks; k++) {
    for (; day <= cutoffs[k]; day++) actual += perDay[day];
    tracking.push({ week: k + 1, day: cutoffs[k], date: isoDate(calibrationDay + cutoffs[k]), actual, predicted: predicted[k] });
  }

  const errors = tracking.filter((w) => w.actual > 0).map((w) => Math.abs(w.predicted - w.actual) / w.actual);
  return {
    customers: data.customers.length,
    holdoutWeeks: data.holdoutDays / DAYS_PER_WEEK,
    buckets: FREQUENCY_BUCKETS.map((frequency, i) => ({
      frequency,
      customers: bucketCustomers[i],
      meanActual: bucketCustomers[i] > 0 ? bucketActual[i] / bucketCustomers[i] : null,
      meanPredicted: bucketCustomers[i] > 0 ? bucketPredicted[i] / bucketCustomers[i] : null,
    })),
    tracking,
    mapePercent: errors.length > 0 ? (100 * errors.reduce((s, e) => s + e, 0)) / errors.length : null,
  };
}

export type RankedModel =
  | {
      readonly rank: number;
      readonly model: PurchaseModelName;
      readonly converged: true;
      readonly params: PurchaseModelParams[PurchaseModelName];
      readonly logLikelihood: number;
      readonly mapePercent: number | null;
    }
  | { readonly rank: null; readonly model: PurchaseModelName; readonly converged: false; readonly reason: string };

/**
 * Ranks the models by holdout MAPE, the smallest first (ties, and a null
 * MAPE last among the fitted, by the log-likelihood then the listing order);
 * a model that could not be fitted has no rank and comes after them.
 */
export function rankModels(
  entries: readonly { readonly model: PurchaseModelName; readonly fit: FitResult<PurchaseModelParams[PurchaseModelName]>; readonly validation?: HoldoutValidation }[],
): RankedModel[] {
  const order = (m: PurchaseModelName) => PURCHASE_MODELS.indexOf(m);
  const fitted = entries.flatMap((e) =>
    e.fit.converged ? [{ model: e.model, params: e.fit.params, logLikelihood: e.fit.logLikelihood, mapePercent: e.validation?.mapePercent ?? null }] : [],
  );
  fitted.sort(
    (p, q) =>
      (p.mapePercent ?? Infinity) - (q.mapePercent ?? Infinity) || q.logLikelihood - p.logLikelihood || order(p.model) - order(q.model),
  );
  const failed = entries.flatMap((e) => (e.fit.converged ? [] : [{ rank: null, model: e.model, converged: false as const, reason: e.fit.reason }]));
  return [
    ...fitted.map((f, i) => ({ rank: i + 1, model: f.model, converged: true as const, params: f.params, logLikelihood: f.logLikelihood, mapePercent: f.mapePercent })),
    ...failed,
  ];
}

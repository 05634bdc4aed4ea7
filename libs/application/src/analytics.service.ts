// Analytics over the customer-facts read model (SPEC section 6). The pure
// analyses live in @rapport/analytics; this service feeds them the facts as of
// `asOf` in one currency, and caches model fits: a fit is keyed by asOf,
// currency and the read models' purchases version (PURCHASES_VERSION), which
// moves with every batch that projects a purchase, so a new purchase
// invalidates it and nothing else does.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdProbabilityAlive,
  cohortRetention,
  complaintsReport,
  customerIntervals,
  customerValueIntervals,
  funnel,
  gammaGammaExpectedSpend,
  holdoutData,
  isGammaGammaCustomer,
  lifetimeValueOf,
  MAX_HOLDOUT_DAYS,
  offerResponse,
  PURCHASE_MODELS,
  rankModels,
  revenueByPeriod,
  currencyTotals,
  rfmFromSummaries,
  sharedByHistory,
  summarizePurchaseDays,
  toRepeatSummary,
  validateHoldout,
  winBackReport,
  PURCHASE_MODEL,
  PurchaseLedger,
  type BgNbdFit,
  type BgNbdParams,
  type CustomerPurchases,
  type FitResult,
  type GammaGammaFit,
  type GammaGammaParams,
  type Granularity,
  type HoldoutData,
  type HoldoutValidation,
  type ParameterCovariance,
  type PredictionInterval,
  type DaySummaries,
  type PurchaseDaySummary,
  type PurchaseModelChoice,
  type PurchaseModelCustomer,
  type PurchaseModelName,
  type PurchaseModelParams,
  type RankedModel,
  type RepeatSummary,
  type RfmResult,
  inProcessModelFitter,
  packDaySummaries,
  packedCustomers,
  PACKED_WIDTH,
  type FitJob,
  type FitJobResult,
  type ModelFitter,
  type PackedSummaries,
} from '@rapport/analytics';
import { FACTS_VERSION, PURCHASES_VERSION, type ContactFact, type CustomerFacts } from '@rapport/projections';
import { RankedCustomers, type RankedCustomer } from './analytics/ranked-customers';
import type { CustomerReadModels } from './customer-read-models';

export type { RankedCustomer } from './analytics/ranked-customers';

export interface AnalyticsOptions {
  /** Monthly discount rate of CLV (default 1 % a month). */
  readonly monthlyDiscountRate?: number;
  /** Model fits kept in memory (default 32). */
  readonly cacheSize?: number;
  /** Periods per revenue answer (default MAX_REVENUE_PERIODS of @rapport/analytics). */
  readonly maxRevenuePeriods?: number;
  /** Cells (cohort × month since) per cohorts answer (default MAX_COHORT_CELLS). */
  readonly maxCohortCells?: number;
  /** Where fits and covariances run (default: on the calling thread). */
  readonly fitter?: ModelFitter;
  /** Fewer customers than this are fitted on the calling thread whatever `fitter` is (default 1,000). */
  readonly fitterMinCustomers?: number;
  /** A computation that took at least this long (ms, default 50) is computed again by refresh(). */
  readonly refreshAfterMs?: number;
}

/** Below this, a fit takes a few tens of milliseconds: less than a worker's round trip is worth. */
const DEFAULT_FITTER_MIN_CUSTOMERS = 1_000;

/** RFC 3339 bounds on occurredAt for the analyses that answer a series; either end may be open. */
export interface AnalyticsWindow {
  readonly from?: string;
  readonly to?: string;
}

/** A model that could not be fitted: the analyst gets the reason, never made-up numbers. */
export class ModelNotFittedError extends Error {
  override readonly name = 'ModelNotFittedError';
  constructor(
    readonly model: PurchaseModelName | 'gamma-gamma',
    readonly reason: string,
  ) {
    super(`${model} could not be fitted: ${reason}`);
  }
}

/**
 * `maxStaleMs`: reuse a result computed that recently even if purchases arrived
 * since, when it was costly to compute (over EXPENSIVE_MS). The 360 uses it so
 * that a stream of purchases does not refit large models on every read; small
 * populations are always recomputed, and explicit analytics queries never
 * accept staleness.
 */
export interface CacheOptions {
  readonly maxStaleMs?: number;
  /**
   * Answer with the last costly result however stale, and compute the next
   * one in the background: what the 360 asks, so that once a fit exists no
   * read waits for one. Only a key never computed makes the caller wait.
   * Work computed in the background never takes a stale answer itself.
   */
  readonly staleWhileRevalidate?: boolean;
}

interface CacheEntry {
  readonly value: Promise<unknown>;
  /** The purchases version when computed. */
  readonly purchases: string;
  readonly computedAt: number;
  /** How long the computation took, once it has finished. */
  costMs?: number;
  /** Set once the value resolved: only such an entry is served stale. */
  resolved?: boolean;
  /** While this one computes, the costly result it replaces (staleWhileRevalidate answers with it). */
  previous?: CacheEntry;
}

/** Computations cheaper than this are redone rather than served stale, and not computed ahead (refresh). */
const EXPENSIVE_MS = 50;

/** Costly computations remembered for refresh(): a few analysts' scopes, each a handful of fits and rankings. */
const MAX_REMEMBERED = 24;

export interface CustomerPrediction {
  readonly customerId: string;
  readonly asOf: string;
  readonly currency: string;
  readonly horizonWeeks: number;
  /** Repeat purchase-days, recency and age in weeks, as the models saw them. */
  readonly summary: RepeatSummary | null;
  /** Mean repeat purchase-day amount in `currency` (what Gamma-Gamma saw), minor units; null without a purchase in `currency`. */
  readonly monetary: number | null;
  readonly pAlive: number | null;
  readonly expectedPurchases: number | null;
  /** Expected amount per purchase-day, minor units of `currency`. */
  readonly expectedSpend: number | null;
  /** Discounted value over the horizon, minor units of `currency`. */
  readonly clv: number | null;
  /** The purchase model behind pAlive, expectedPurchases and clv. */
  readonly model: PurchaseModelName;
  /** How `best` chose `model`; absent when a model was named. */
  readonly modelSelection?: ModelSelection;
  /** 90 % intervals from the fitted parameters' covariance; null without a summary or when the covariance is not available. */
  readonly intervals: PredictionIntervals | null;
  /** Why intervals is null although the customer has purchased. */
  readonly intervalsUnavailable?: string;
}

/** A two-sided interval; low ≤ the point value ≤ high. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Per-customer intervals at `level` (0.9) by the delta method (docs/analytics.md, "Intervals on a customer's predictions"). */
export interface PredictionIntervals {
  readonly level: number;
  readonly pAlive: Interval;
  readonly expectedPurchases: Interval;
  /** Null when expectedSpend is. */
  readonly expectedSpend: Interval | null;
  /** Null when clv is. */
  readonly clv: Interval | null;
}

/**
 * How `best` picked its model: the models fitted at calibrationEnd and ranked
 * by holdout MAPE over (calibrationEnd, holdoutEnd = asOf], where the holdout
 * is the later half (whole days, rounded down, at most MAX_HOLDOUT_DAYS) of
 * the span from the first purchase-day to asOf. BG/NBD when no model can be
 * ranked (`fallback` says why).
 */
export interface ModelSelection {
  readonly choice: 'best';
  readonly calibrationEnd: string | null;
  readonly holdoutEnd: string;
  readonly mapePercent: number | null;
  readonly fallback?: string;
}

/** Fewer holdout days than this and `best` does not rank: the holdout would say nothing. */
export const MIN_SELECTION_HOLDOUT_DAYS = 7;
const DAY_MS = 86_400_000;

/** What a fit or a covariance reads (see fitInputs). */
interface FitInputs {
  readonly customers: number;
  readonly packed: PackedSummaries;
  readonly digest: string;
}

/** What was read of the read models at one value of a version, read again once the version moves. */
class Snapshot<T> {
  private current: { readonly version: string; readonly value: Promise<T> } | undefined;

  constructor(
    private readonly readModels: Pick<CustomerReadModels, 'getVersion'>,
    private readonly versionName: string,
  ) {}

  async get(read: () => Promise<T>): Promise<T> {
    const version = await this.readModels.getVersion(this.versionName);
    // Checked and set with no await between: callers at one version share one read.
    if (this.current?.version !== version) {
      const entry = { version, value: read() };
      this.current = entry;
      // A read that failed (the store blinked) is forgotten, so the next call reads again.
      entry.value.catch(() => {
        if (this.current === entry) this.current = undefined;
      });
    }
    return this.current!.value;
  }
}

export class AnalyticsService {
  /** Every customer's facts, for the reports that read more than purchases; read only when one is asked for. */
  private readonly snapshot: Snapshot<readonly CustomerFacts[]>;
  /** Every customer's purchases, packed: what the models, the rankings and the 360's predictions read. */
  private readonly ledger: Snapshot<PurchaseLedger>;
  private readonly fits = new Map<string, CacheEntry>();
  /** Fits and covariances by a digest of what they were computed from (see onInputs). */
  private readonly byInputs = new Map<string, Promise<unknown>>();
  private readonly cacheSize: number;
  private readonly fitter: ModelFitter;
  private readonly workerMinCustomers: number;
  /** Costly computations asked for lately, by key, oldest first: what refresh() computes again. */
  private readonly recent = new Map<string, () => Promise<unknown>>();
  /** Set while computing ahead (refresh, inBackground). */
  private readonly background = new AsyncLocalStorage<boolean>();
  /** Keys being computed again behind a stale answer (staleWhileRevalidate). */
  private readonly revalidating = new Set<string>();
  /** The newest asOf whose predictions were prepared, by currency and model choice: what the 360 answers as of meanwhile. */
  private readonly preparedAsOf = new Map<string, string>();
  /** Predictions being prepared in the background, by currency, choice and asOf. */
  private readonly preparing = new Set<string>();
  /** Hours whose predictions could not be prepared: the 360 asks for them itself, and so says why. */
  private readonly unprepared = new Set<string>();

  constructor(
    private readonly readModels: CustomerReadModels,
    private readonly options: AnalyticsOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.cacheSize = options.cacheSize ?? 32;
    this.fitter = options.fitter ?? inProcessModelFitter;
    this.workerMinCustomers = options.fitterMinCustomers ?? DEFAULT_FITTER_MIN_CUSTOMERS;
    this.snapshot = new Snapshot(readModels, FACTS_VERSION);
    this.ledger = new Snapshot(readModels, PURCHASES_VERSION);
  }

  async rfm(asOf: string, currency: string, cache: CacheOptions = {}): Promise<RfmResult> {
    return this.cached(`rfm|${asOf}|${currency}`, async () => rfmFromSummaries(await this.summaries(asOf, currency)), cache);
  }

  /** BG/NBD over every customer with a purchase, in any currency: it models how often, not how much. */
  async bgnbd(asOf: string, cache: CacheOptions = {}): Promise<{ fit: BgNbdFit; customers: number }> {
    return this.purchaseModel('bgnbd', asOf, cache);
  }

  /** A purchase model (BG/NBD, Pareto/NBD, MBG/NBD) over every customer with a purchase, in any currency. */
  async purchaseModel<M extends PurchaseModelName>(
    model: M,
    asOf: string,
    cache: CacheOptions = {},
  ): Promise<{ fit: FitResult<PurchaseModelParams[M]>; customers: number }> {
    const { fit, customers } = await this.purchaseFitted(model, asOf, cache);
    return { fit, customers };
  }

  /** purchaseModel with the inputs it was fitted on: what its covariance is computed on. */
  private purchaseFitted<M extends PurchaseModelName>(
    model: M,
    asOf: string,
    cache: CacheOptions = {},
  ): Promise<{ fit: FitResult<PurchaseModelParams[M]>; customers: number; inputs: FitInputs }> {
    return this.cached(
      `${model}|${asOf}`,
      async () => {
        const inputs = await this.fitInputs('purchases', asOf, undefined);
        const fit = (await this.onInputs(`fit|${model}`, inputs, (packed) => ({ kind: 'purchase-fit', model, summaries: packed }))) as FitResult<PurchaseModelParams[M]>;
        return { fit, customers: inputs.customers, inputs };
      },
      cache,
    );
  }

  /**
   * Holdout validation of a purchase model: the model as fitted at
   * calibrationEnd (the same cached fit as purchaseModel's), judged on the
   * repeat purchase-days of (calibrationEnd, holdoutEnd]. Throws
   * ModelNotFittedError when the model cannot be fitted at calibrationEnd.
   */
  async holdoutValidation<M extends PurchaseModelName>(
    model: M,
    calibrationEnd: string,
    holdoutEnd: string,
  ): Promise<{ fit: FitResult<PurchaseModelParams[M]>; validation: HoldoutValidation }> {
    return this.cached(`validation|${model}|${calibrationEnd}|${holdoutEnd}`, async () => {
      const { fit } = await this.purchaseModel(model, calibrationEnd);
      if (!fit.converged) throw new ModelNotFittedError(model, fit.reason);
      return { fit, validation: validateHoldout(model, fit.params, await this.holdout(calibrationEnd, holdoutEnd)) };
    });
  }

  /** Every purchase model fitted at calibrationEnd and ranked by its holdout MAPE; one that cannot be fitted is listed unranked. */
  async compareModels(calibrationEnd: string, holdoutEnd: string): Promise<{ customers: number; holdoutWeeks: number; models: RankedModel[] }> {
    const data = await this.holdout(calibrationEnd, holdoutEnd);
    const entries = [];
    for (const model of PURCHASE_MODELS) {
      const { fit } = await this.purchaseModel(model, calibrationEnd);
      entries.push({ model, fit, ...(fit.converged ? { validation: (await this.holdoutValidation(model, calibrationEnd, holdoutEnd)).validation } : {}) });
    }
    return { customers: data.customers.length, holdoutWeeks: data.holdoutDays / 7, models: rankModels(entries) };
  }

  /** Gamma-Gamma over the customers with a repeat purchase-day and a positive mean amount in `currency`. */
  async gammaGamma(asOf: string, currency: string, cache: CacheOptions = {}): Promise<{ fit: GammaGammaFit; customers: number }> {
    const { fit, customers } = await this.gammaGammaFitted(asOf, currency, cache);
    return { fit, customers };
  }

  /** gammaGamma with the inputs it was fitted on: what its covariance is computed on. */
  private gammaGammaFitted(asOf: string, currency: string, cache: CacheOptions = {}): Promise<{ fit: GammaGammaFit; customers: number; inputs: FitInputs }> {
    return this.cached(
      `gg|${asOf}|${currency}`,
      async () => {
        const inputs = await this.fitInputs('spenders', asOf, currency);
        const fit = await this.onInputs('fit|gg', inputs, (packed) => ({ kind: 'gamma-gamma-fit', summaries: packed }));
        return { fit, customers: inputs.customers, inputs };
      },
      cache,
    );
  }

  /**
   * One customer's predictions by `choice` (a model, or `best`: see
   * ModelSelection), with 90 % intervals from the fits' parameter covariance.
   */
  async predict(
    customerId: string,
    asOf: string,
    currency: string,
    horizonWeeks: number,
    cache: CacheOptions = {},
    choice: PurchaseModelChoice = 'bgnbd',
  ): Promise<CustomerPrediction | undefined> {
    const facts = (await this.readModels.getFacts([customerId])).get(customerId);
    if (!facts) return undefined;
    const { model, selection } = choice === 'best' ? await this.bestModel(asOf, cache) : { model: choice, selection: undefined };
    const params = await this.purchaseParams(model, asOf, cache);
    const all = summaryOf(facts, asOf, undefined);
    const inCurrency = summaryOf(facts, asOf, currency);
    const base = { customerId, asOf, currency, horizonWeeks };
    const chosen = { model, ...(selection ? { modelSelection: selection } : {}) };
    if (!all) return { ...base, summary: null, monetary: null, pAlive: null, expectedPurchases: null, expectedSpend: null, clv: null, ...chosen, intervals: null };
    const summary = toRepeatSummary(all);
    const m = looseModel(model);
    const spendSummary = inCurrency ? toRepeatSummary(inCurrency) : undefined;
    const gg = spendSummary ? await this.gammaGammaParams(asOf, currency, cache) : undefined;
    const spend = gg && spendSummary ? gammaGammaExpectedSpend(gg, spendSummary) : null;
    const pAlive = m.probabilityAlive(params, summary);
    const value = spend === null ? null : lifetimeValueOf((t) => m.conditionalExpectedPurchases(params, summary, t), spend, this.clvOptions(horizonWeeks));
    const expectedPurchases = value?.expectedPurchases ?? m.conditionalExpectedPurchases(params, summary, horizonWeeks);
    const prediction = { ...base, summary, monetary: spendSummary?.monetary ?? null, pAlive, expectedPurchases, expectedSpend: spend, clv: value?.clv ?? null, ...chosen };
    const covariance = await this.purchaseCovariance(model, asOf, cache);
    if (!covariance.ok) return { ...prediction, intervals: null, intervalsUnavailable: `${model}: ${covariance.reason}` };
    const purchases = customerIntervals(model, params as PurchaseModelParams[typeof model], covariance, summary, horizonWeeks);
    let money: { expectedSpend: Interval; clv: Interval } | null = null;
    if (gg && spendSummary && spend !== null) {
      const spendCovariance = await this.gammaGammaCovariance(asOf, currency, cache);
      if (!spendCovariance.ok) return { ...prediction, intervals: null, intervalsUnavailable: `gamma-gamma: ${spendCovariance.reason}` };
      const v = customerValueIntervals(model, params as PurchaseModelParams[typeof model], covariance, summary, gg, spendCovariance, spendSummary, this.clvOptions(horizonWeeks));
      money = { expectedSpend: lowHigh(v.expectedSpend), clv: lowHigh(v.clv) };
    }
    const intervals = {
      level: 0.9,
      pAlive: lowHigh(purchases.probabilityAlive),
      expectedPurchases: lowHigh(purchases.expectedPurchases),
      expectedSpend: money?.expectedSpend ?? null,
      clv: money?.clv ?? null,
    };
    // A fit far from this customer's history (one customer, months of silence) can give no finite value for
    // them (BG/NBD's ₂F₁ overflows): the point estimate is then null, and an interval around it is no answer either.
    const unbounded = (['pAlive', 'expectedPurchases', 'expectedSpend', 'clv'] as const).find((k) => {
      const interval = intervals[k];
      return interval !== null && !(Number.isFinite(interval.low) && Number.isFinite(interval.high));
    });
    if (unbounded) return { ...prediction, intervals: null, intervalsUnavailable: `${model}: no finite ${unbounded} for this customer` };
    return { ...prediction, intervals };
  }

  /**
   * What every prediction as of asOf reads whatever the customer: the chosen
   * model's fit and covariance, Gamma-Gamma's in `currency`. The warmer
   * computes it ahead for the 360's scope; failures are the predictions' to report.
   */
  async preparePredictions(asOf: string, currency: string, choice: PurchaseModelChoice = 'bgnbd'): Promise<void> {
    const { model } = choice === 'best' ? await this.bestModel(asOf) : { model: choice };
    await this.purchaseParams(model, asOf);
    await this.purchaseCovariance(model, asOf, {});
    if (await this.gammaGammaParams(asOf, currency, {})) await this.gammaGammaCovariance(asOf, currency, {});
    const key = `${currency}|${choice}`;
    const newest = this.preparedAsOf.get(key);
    if (newest === undefined || Date.parse(asOf) > Date.parse(newest)) this.preparedAsOf.set(key, asOf);
  }

  /**
   * The asOf the 360's predictions should be as of: `asOf` once its fits are
   * prepared (or when none ever were: then the first read computes them);
   * else the newest prepared asOf, while `asOf`'s are prepared in the
   * background. So a new hour never makes a 360 read wait for the fits of
   * every customer; it says which hour its predictions are as of.
   */
  predictionsAsOf(asOf: string, currency: string, choice: PurchaseModelChoice = 'bgnbd'): string {
    const newest = this.preparedAsOf.get(`${currency}|${choice}`);
    const key = `${currency}|${choice}|${asOf}`;
    if (newest === undefined || newest === asOf || Date.parse(newest) > Date.parse(asOf) || this.unprepared.has(key)) return asOf;
    if (!this.preparing.has(key)) {
      this.preparing.add(key);
      // Failed (no model fits as of asOf, say): from then on the 360 asks as of asOf, and says why it has no predictions.
      void this.inBackground(() => this.preparePredictions(asOf, currency, choice))
        .catch(() => {
          this.unprepared.add(key);
          while (this.unprepared.size > MAX_REMEMBERED) this.unprepared.delete(this.unprepared.values().next().value!);
        })
        .finally(() => this.preparing.delete(key));
    }
    return newest;
  }

  /** The model `best` names as of asOf (see ModelSelection); cached with the fits it ranks. */
  async bestModel(asOf: string, cache: CacheOptions = {}): Promise<{ model: PurchaseModelName; selection: ModelSelection }> {
    return this.cached(
      `best|${asOf}`,
      async () => {
        const summaries = await this.summaries(asOf, undefined, cache);
        let span = 0;
        for (let i = 0; i < summaries.length; i++) span = Math.max(span, summaries.ageDays(i));
        const holdoutDays = Math.min(Math.floor(span / 2), MAX_HOLDOUT_DAYS);
        const fallback = (calibrationEnd: string | null, reason: string) => ({
          model: 'bgnbd' as const,
          selection: { choice: 'best' as const, calibrationEnd, holdoutEnd: asOf, mapePercent: null, fallback: reason },
        });
        if (holdoutDays < MIN_SELECTION_HOLDOUT_DAYS) return fallback(null, `the purchases span ${span} days; ranking needs a holdout of at least ${MIN_SELECTION_HOLDOUT_DAYS}`);
        const calibrationEnd = new Date(Date.parse(asOf) - holdoutDays * DAY_MS).toISOString();
        const { models } = await this.compareModels(calibrationEnd, asOf);
        const best = models.find((r) => r.rank !== null && r.mapePercent !== null);
        if (!best || best.rank === null) return fallback(calibrationEnd, 'no model could be fitted at calibrationEnd and judged on the holdout');
        return { model: best.model, selection: { choice: 'best' as const, calibrationEnd, holdoutEnd: asOf, mapePercent: best.mapePercent } };
      },
      cache,
    );
  }

  /** Customers ranked by the value they are likely to take with them: past spend × (1 − P(alive)). */
  async atRisk(asOf: string, currency: string, limit: number, horizonWeeks = 52): Promise<RankedCustomer[]> {
    return (await this.ranked(asOf, currency, horizonWeeks)).top('valueAtRisk', limit);
  }

  /** Customers ranked by predicted CLV over the horizon. */
  async value(asOf: string, currency: string, limit: number, horizonWeeks = 52): Promise<RankedCustomer[]> {
    return (await this.ranked(asOf, currency, horizonWeeks)).top('clv', limit);
  }

  /** BG/NBD P(alive) of every customer with a purchase, as of an instant: what `p_alive_below` signals read. */
  async pAliveByCustomer(asOf: string, cache: CacheOptions = {}): Promise<ReadonlyMap<string, number>> {
    return this.cached(
      `p-alive|${asOf}`,
      async () => {
        const params = await this.bgnbdParams(asOf, cache);
        const summaries = await this.summaries(asOf, undefined, cache);
        const pAlive = new Map<string, number>();
        for (let i = 0; i < summaries.length; i++) pAlive.set(summaries.customerId(i), bgnbdProbabilityAlive(params, summaries.repeatSummary(i)));
        return pAlive;
      },
      cache,
    );
  }

  /** Where the customer stands by predicted CLV: 0 the most valuable, 1 the least; null without a CLV in `currency`. */
  async valueRank(customerId: string, asOf: string, currency: string, horizonWeeks = 52, cache: CacheOptions = {}): Promise<number | null> {
    return (await this.valueRanks(asOf, currency, horizonWeeks, cache)).get(customerId) ?? null;
  }

  /** Every customer's value rank (see valueRank), for a caller that reads many. */
  async valueRanks(asOf: string, currency: string, horizonWeeks = 52, cache: CacheOptions = {}): Promise<ReadonlyMap<string, number>> {
    return this.cached(
      `value-rank|${asOf}|${currency}|${horizonWeeks}`,
      async () => {
        const ordered = await this.value(asOf, currency, Number.MAX_SAFE_INTEGER, horizonWeeks);
        return new Map(ordered.map((c, i) => [c.customerId, ordered.length > 1 ? i / (ordered.length - 1) : 0]));
      },
      cache,
    );
  }

  async offerResponse(asOf: string, filter: { campaignId?: string; offerId?: string }) {
    const matches = (x: { campaignId?: string; offerId?: string }) =>
      (filter.campaignId === undefined || x.campaignId === filter.campaignId) && (filter.offerId === undefined || x.offerId === filter.offerId);
    const contacts = new Map<string, ContactFact[]>();
    for await (const { customerId, contact } of this.readModels.scanOfferContacts()) {
      if (!matches(contact)) continue;
      const own = contacts.get(customerId);
      if (own) own.push(contact);
      else contacts.set(customerId, [contact]);
    }
    // Their purchases from the facts the other analyses hold already (a point read per customer is slow on FerretDB).
    const purchases = new Map((await this.facts()).filter((f) => contacts.has(f.customerId)).map((f) => [f.customerId, f]));
    // In customerId order, as the facts scan answered before contacts had a read model of their own.
    const histories = [...contacts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([customerId, own]) => ({
      customerId,
      contacts: own,
      purchases: (purchases.get(customerId)?.purchases ?? []).filter((p) => p.campaignId !== undefined || p.offerId !== undefined),
    }));
    return offerResponse(histories, asOf);
  }

  async funnel(asOf: string) {
    return funnel(await this.facts(), asOf);
  }

  /** Throws AnswerTooLargeError when the window holds more cells than maxCohortCells. */
  async cohorts(asOf: string, currency: string, window: AnalyticsWindow = {}) {
    const maxCells = this.options.maxCohortCells;
    return cohortRetention(await this.purchasesIn(currency), asOf, { ...window, ...(maxCells !== undefined ? { maxCells } : {}) });
  }

  /** With `slaHours`, each count also says how many complaints outlived that SLA as of asOf. */
  async complaints(asOf: string, slaHours?: number) {
    return complaintsReport(await this.facts(), asOf, slaHours);
  }

  async winBack(asOf: string) {
    return winBackReport(await this.facts(), asOf);
  }

  /** The currencies purchased in by asOf, with customers, orders and revenue in each. */
  async currencies(asOf: string) {
    return currencyTotals(await this.facts(), asOf);
  }

  /** Throws AnswerTooLargeError when the window spans more periods than maxRevenuePeriods. */
  async revenue(asOf: string, currency: string, interval: Granularity, window: AnalyticsWindow = {}) {
    const maxPeriods = this.options.maxRevenuePeriods;
    return revenueByPeriod(await this.purchasesIn(currency), asOf, interval, { ...window, ...(maxPeriods !== undefined ? { maxPeriods } : {}) });
  }

  private async ranked(asOf: string, currency: string, horizonWeeks: number): Promise<RankedCustomers> {
    return this.cached(`ranked|${asOf}|${currency}|${horizonWeeks}`, async () => {
      const bgnbd = await this.bgnbdParams(asOf);
      const gg = await this.gammaGamma(asOf, currency);
      const spendParams = gg.fit.converged ? gg.fit.params : undefined;
      const inCurrency = await this.summaries(asOf, currency);
      const byCurrency = inCurrency.indexById();
      const clvOptions = this.clvOptions(horizonWeeks);
      // Every customer's expected purchases at each month end: once per distinct history.
      const expected = sharedByHistory((c, t) => bgnbdConditionalExpectedPurchases(bgnbd, c, t));
      const all = await this.summaries(asOf, undefined);
      function* customers(): Generator<RankedCustomer> {
        for (let i = 0; i < all.length; i++) {
          const j = byCurrency.get(all.customerId(i));
          if (j === undefined) continue;
          const summary = all.repeatSummary(i);
          const pAlive = bgnbdProbabilityAlive(bgnbd, summary);
          const spend = spendParams ? gammaGammaExpectedSpend(spendParams, inCurrency.repeatSummary(j)) : null;
          const value = spend === null ? null : lifetimeValueOf(expected(summary), spend, clvOptions);
          const pastValue = inCurrency.totalAmount(j);
          yield {
            customerId: summary.customerId,
            pAlive,
            expectedPurchases: value?.expectedPurchases ?? bgnbdConditionalExpectedPurchases(bgnbd, summary, horizonWeeks),
            expectedSpend: spend,
            clv: value?.clv ?? null,
            pastValue,
            valueAtRisk: pastValue * (1 - pAlive),
          };
        }
      }
      // Packed as they are made: the customers in the currency are at most every customer.
      return RankedCustomers.of(customers(), Math.min(all.length, byCurrency.size));
    });
  }

  private async bgnbdParams(asOf: string, cache: CacheOptions = {}): Promise<BgNbdParams> {
    const { fit } = await this.bgnbd(asOf, cache);
    if (!fit.converged) throw new ModelNotFittedError('bgnbd', fit.reason);
    return fit.params;
  }

  private async purchaseParams(model: PurchaseModelName, asOf: string, cache: CacheOptions = {}): Promise<PurchaseModelParams[PurchaseModelName]> {
    const { fit } = await this.purchaseModel(model, asOf, cache);
    if (!fit.converged) throw new ModelNotFittedError(model, fit.reason);
    return fit.params;
  }

  /** Gamma-Gamma's parameters, or undefined when it cannot be fitted (CLV is then null, not an error). */
  private async gammaGammaParams(asOf: string, currency: string, cache: CacheOptions): Promise<GammaGammaParams | undefined> {
    const { fit } = await this.gammaGamma(asOf, currency, cache);
    return fit.converged ? fit.params : undefined;
  }

  /** The purchase model's parameter covariance on the customers it was fitted on, cached with the fit. */
  private async purchaseCovariance(model: PurchaseModelName, asOf: string, cache: CacheOptions): Promise<ParameterCovariance<string>> {
    return this.cached(
      `cov|${model}|${asOf}`,
      async () => {
        // On the inputs of the fit it goes with (stale or not), so that the digest keys one pair of both.
        const { fit, inputs } = await this.purchaseFitted(model, asOf, cache);
        if (!fit.converged) throw new ModelNotFittedError(model, fit.reason);
        const params = fit.params;
        return this.onInputs(`cov|${model}`, inputs, (packed) => ({ kind: 'purchase-covariance', model, params, summaries: packed }));
      },
      cache,
    );
  }

  private async gammaGammaCovariance(asOf: string, currency: string, cache: CacheOptions): Promise<ParameterCovariance<'p' | 'q' | 'v'>> {
    return this.cached(
      `gg-cov|${asOf}|${currency}`,
      async () => {
        const { fit, inputs } = await this.gammaGammaFitted(asOf, currency, cache);
        if (!fit.converged) return { ok: false as const, reason: 'Gamma-Gamma could not be fitted' };
        const params = fit.params;
        return this.onInputs('cov|gg', inputs, (packed) => ({ kind: 'gamma-gamma-covariance', params, summaries: packed }));
      },
      cache,
    );
  }

  private clvOptions(horizonWeeks: number) {
    return {
      horizonWeeks,
      ...(this.options.monthlyDiscountRate !== undefined ? { monthlyDiscountRate: this.options.monthlyDiscountRate } : {}),
    };
  }

  /** Every customer's purchases in any currency split at calibrationEnd (holdoutData throws RangeError on a bad pair). */
  private async holdout(calibrationEnd: string, holdoutEnd: string): Promise<HoldoutData> {
    return this.cached(`holdout|${calibrationEnd}|${holdoutEnd}`, async () => holdoutData(await this.purchasesIn(undefined), calibrationEnd, holdoutEnd));
  }

  private async summaries(asOf: string, currency: string | undefined, cache: CacheOptions = {}): Promise<DaySummaries> {
    return this.cached(
      `summaries|${asOf}|${currency ?? '*'}`,
      async () => {
        const ledger = await this.purchaseLedger();
        // Every purchase in this one currency (the usual case): the summaries over every currency are these, computed once.
        if (currency !== undefined && ledger.onlyIn(currency)) return this.summaries(asOf, undefined, cache);
        return ledger.summarize(asOf, currency);
      },
      cache,
    );
  }

  private async purchasesIn(currency: string | undefined): Promise<CustomerPurchases[]> {
    return (await this.purchaseLedger()).customerPurchases(currency);
  }

  /** Every customer's analytics facts (the playbooks' signals read them); held between two changes to the read models. */
  async everyCustomerFacts(): Promise<readonly CustomerFacts[]> {
    return this.facts();
  }

  /**
   * Every customer's purchases, re-read only when a purchase was projected.
   * Only the purchases of the facts documents are read, and kept packed:
   * what was the largest thing the process held (every customer's parsed
   * facts) is a few bytes a purchase.
   */
  private purchaseLedger(): Promise<PurchaseLedger> {
    return this.ledger.get(async () => {
      const builder = PurchaseLedger.builder();
      for await (const f of this.readModels.scanPurchases()) builder.add(f.customerId, f.purchases);
      return builder.build();
    });
  }

  /** Every customer's facts, re-read only when the read models have moved. */
  private facts(): Promise<readonly CustomerFacts[]> {
    return this.snapshot.get(async () => {
      const facts: CustomerFacts[] = [];
      for await (const f of this.readModels.scanFacts()) facts.push(f);
      return facts;
    });
  }

  /**
   * What the fits and covariances over one population as of asOf read: its
   * summaries packed, with their digest. Made once per change to the
   * purchases and shared by a fit and its covariance, without a repeat
   * summary object per customer. `purchases`: every customer with a
   * purchase, in any currency; `spenders`: those with a repeat purchase-day
   * and a positive mean amount in `currency` (what Gamma-Gamma is fitted on).
   */
  private fitInputs(population: 'purchases' | 'spenders', asOf: string, currency: string | undefined): Promise<FitInputs> {
    return this.cached(`inputs|${population}|${asOf}|${currency ?? '*'}`, async () => {
      const summaries = await this.summaries(asOf, currency);
      const chosen = population === 'spenders' ? spenders(summaries) : undefined;
      const packed = packDaySummaries(summaries, chosen);
      return { customers: chosen?.length ?? summaries.length, packed, digest: digestOf(packed, population === 'spenders') };
    });
  }

  /**
   * A fit is a function of its customers' summaries alone: the same summaries
   * give the same result, whatever was projected since. A purchase dated after
   * asOf, a contact, a complaint, a customer with no purchase by asOf all move
   * the read models' version and drop the memo of `cached`, but not the inputs
   * of a fit as of asOf; this finds the result by a digest of the inputs, so
   * only a change that reaches them costs a refit. Bounded like `fits`.
   */
  private onInputs<J extends FitJob>(kind: string, inputs: FitInputs, job: (packed: PackedSummaries) => J): Promise<FitJobResult[J['kind']]> {
    const key = `${kind}|${inputs.digest}`;
    const background = this.background.getStore() === true;
    const known = this.byInputs.get(key);
    if (known) {
      // Computed ahead and still queued or running: now someone waits for it.
      if (!background) this.fitterFor(inputs.customers).promote(known);
      this.byInputs.delete(key);
      this.byInputs.set(key, known);
      return known as Promise<FitJobResult[J['kind']]>;
    }
    // A small population fits faster here than it travels to a worker and back.
    const value = this.fitterFor(inputs.customers).run(job(inputs.packed), background ? 'background' : 'asked');
    // Requests that arrive while it runs wait for the same fit; one that failed (a worker died) is not remembered.
    value.catch(() => this.byInputs.get(key) === value && this.byInputs.delete(key));
    this.byInputs.set(key, value);
    while (this.byInputs.size > this.cacheSize) this.byInputs.delete(this.byInputs.keys().next().value!);
    return value;
  }

  /**
   * Memoises a computation under `key`, valid while no purchase has been
   * projected since (or, with maxStaleMs, for that long anyway); LRU-bounded.
   * A computation that proved costly is remembered for refresh().
   */
  private async cached<T>(key: string, compute: () => Promise<T>, cache: CacheOptions = {}): Promise<T> {
    const purchases = await this.readModels.getVersion(PURCHASES_VERSION);
    const now = this.now();
    let entry = this.fits.get(key);
    const tolerable = (e: CacheEntry) => (e.costMs ?? 0) > EXPENSIVE_MS && now - e.computedAt < (cache.maxStaleMs ?? 0);
    const fresh = entry && (entry.purchases === purchases || tolerable(entry));
    // Only a costly result is served stale: a cheap one is computed again at once, as without the option.
    const servesStale = cache.staleWhileRevalidate === true && this.background.getStore() !== true;
    const costly = (e: CacheEntry | undefined): boolean => e?.resolved === true && (e.costMs ?? 0) > EXPENSIVE_MS;
    // What a stale-allowed read may answer with: the entry's own costly result, or, while a new one computes, the one it replaces.
    const stale = costly(entry) ? entry : entry?.previous;
    let answer: Promise<unknown> | undefined;
    this.fits.delete(key);
    if (entry && !fresh && servesStale && stale) {
      answer = stale.value;
      this.revalidate(key, compute);
    } else if (!entry || !fresh) {
      const value = compute();
      // The result it replaces answers stale readers until this one is in.
      const created: CacheEntry = { value, purchases, computedAt: now, previous: stale };
      value.then(
        () => {
          created.resolved = true;
          created.previous = undefined;
          created.costMs = this.now() - now;
          if (created.costMs >= (this.options.refreshAfterMs ?? EXPENSIVE_MS)) this.remember(key, compute);
        },
        () => {
          if (this.fits.get(key) !== created) return;
          if (created.previous) this.fits.set(key, created.previous);
          else this.fits.delete(key);
        },
      );
      entry = created;
    } else if (servesStale && !entry.resolved && stale) {
      answer = stale.value;
    }
    this.fits.set(key, entry);
    while (this.fits.size > this.cacheSize) this.fits.delete(this.fits.keys().next().value!);
    return (answer ?? entry.value) as Promise<T>;
  }

  /** Computes `key` again in the background, once at a time: meanwhile the result it replaces answers stale readers. */
  private revalidate(key: string, compute: () => Promise<unknown>): void {
    if (this.revalidating.has(key)) return;
    this.revalidating.add(key);
    void this.inBackground(() => this.cached(key, compute))
      .catch(() => undefined)
      .finally(() => this.revalidating.delete(key));
  }

  /** Where a fit of `customers` runs: a small population on the calling thread, whatever the fitter. */
  private fitterFor(customers: number): ModelFitter {
    return customers >= this.workerMinCustomers ? this.fitter : inProcessModelFitter;
  }

  private remember(key: string, compute: () => Promise<unknown>): void {
    this.recent.delete(key);
    this.recent.set(key, compute);
    while (this.recent.size > MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * Computes again, before anyone asks, what proved costly lately (fits,
   * rankings, comparisons) and has gone stale since: so that the analyst who
   * comes back after new purchases were projected finds the answers ready.
   * Resolves with how many it computed; one that fails is skipped (asking
   * for it will say why).
   */
  async refresh(): Promise<number> {
    return this.inBackground(async () => {
      const purchases = await this.readModels.getVersion(PURCHASES_VERSION);
      let computed = 0;
      for (const [key, compute] of [...this.recent]) {
        if (this.fits.get(key)?.purchases === purchases) continue;
        await this.cached(key, compute).then(
          () => (computed += 1),
          () => undefined,
        );
        // Requests waiting on the event loop go between two of these.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return computed;
    });
  }

  /**
   * Runs `work` as work computed ahead: its fits wait for those someone asked
   * for (ModelFitter priorities), and are promoted when someone asks for them.
   */
  inBackground<T>(work: () => Promise<T>): Promise<T> {
    return this.background.run(true, work);
  }

  /** Stops the fitter's workers, if any. */
  async close(): Promise<void> {
    await this.fitter.close();
  }

  /** How many customers have a purchase: what decides whether analyses are worth computing ahead. */
  async purchasingCustomers(): Promise<number> {
    return (await this.purchaseLedger()).customers;
  }
}

/** SHA-256 of every customer's x, t_x and T (and mean amount), in order: what a fit reads. Equal digests, equal fits. */
function digestOf(packed: PackedSummaries, withMonetary: boolean): string {
  if (withMonetary) return createHash('sha256').update(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength)).digest('base64url');
  const customers = packedCustomers(packed);
  const values = new Float64Array(customers * 3);
  for (let i = 0; i < customers; i++) values.set(packed.subarray(i * PACKED_WIDTH, i * PACKED_WIDTH + 3), i * 3);
  return createHash('sha256').update(new Uint8Array(values.buffer)).digest('base64url');
}

/** The registry's entry with its parameters typed loosely, so one code path serves the three models. */
function looseModel(model: PurchaseModelName) {
  return PURCHASE_MODEL[model] as unknown as {
    probabilityAlive(p: PurchaseModelParams[PurchaseModelName], c: PurchaseModelCustomer): number;
    conditionalExpectedPurchases(p: PurchaseModelParams[PurchaseModelName], c: PurchaseModelCustomer, t: number): number;
  };
}

function lowHigh(interval: PredictionInterval): Interval {
  return { low: interval.lower, high: interval.upper };
}

/** The indexes of the customers Gamma-Gamma is fitted on: a repeat purchase-day and a positive mean amount. */
function spenders(summaries: DaySummaries): number[] {
  const chosen: number[] = [];
  for (let i = 0; i < summaries.length; i++) if (isGammaGammaCustomer({ x: summaries.frequency(i), monetary: summaries.monetary(i) })) chosen.push(i);
  return chosen;
}

function summaryOf(facts: CustomerFacts, asOf: string, currency: string | undefined): PurchaseDaySummary | undefined {
  const purchases = currency === undefined ? facts.purchases : facts.purchases.filter((p) => p.currency === currency);
  if (purchases.length === 0) return undefined;
  return summarizePurchaseDays([{ customerId: facts.customerId, purchases }], asOf)[0];
}

// What playbook conditions read of the analytics (segment, pAlive, clv,
// valueRank), in the reporting currency, with models fitted at most a minute
// before the last purchase:
// - for a decision on an event or a due step, as the 360 shows the customer:
//   as of the start of the hour, their own facts as they are now;
// - for the decisions a signal triggers, as of its instant, for every
//   customer at once, as the signal itself read P(alive): each number comes
//   out of a computation over everyone anyway (the fits, the RFM scores, the
//   ranking by CLV). When that was costly it is kept for the same minute the
//   analytics keep their fits, so an evaluation that reads tens of thousands
//   of customers pays a look-up for each.
import { AnalyticsService, ModelNotFittedError } from '../analytics.service';
import { startOfHourUtc } from '../analytics/analytics-scope';
import type { Clock } from '../customer-commands.service';
import type { AnalyticsFacts, CustomerAnalyticsReader } from './playbook-runner';

const MAX_STALE_MS = 60_000;
const HORIZON_WEEKS = 52;
/** Instants whose facts are kept at once: the hour's, and a signal's or two. */
const KEPT = 4;
/** Cheaper than this (as the analytics' own cache rule), it is computed again on every read. */
const EXPENSIVE_MS = 50;
const UNKNOWN: AnalyticsFacts = { segment: null, pAlive: null, clv: null, valueRank: null };

interface Everyone {
  readonly computedAt: number;
  readonly facts: Promise<ReadonlyMap<string, AnalyticsFacts>>;
  /** How long computing them took, once done. */
  costMs?: number;
}

export class AnalyticsFactsReader implements CustomerAnalyticsReader {
  private readonly kept = new Map<string, Everyone>();
  private readonly indexed = new WeakMap<object, Map<string, string>>();

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly currency: string,
    private readonly clock: Clock,
  ) {}

  async read(customerId: string, at?: string): Promise<AnalyticsFacts> {
    if (at !== undefined) return (await this.everyone(at)).get(customerId) ?? UNKNOWN;
    const asOf = startOfHourUtc(this.clock.now());
    const cache = { maxStaleMs: MAX_STALE_MS };
    const segment = (await this.segments(asOf)).get(customerId) ?? null;
    try {
      const prediction = await this.analytics.predict(customerId, asOf, this.currency, HORIZON_WEEKS, cache);
      const valueRank = await this.analytics.valueRank(customerId, asOf, this.currency, HORIZON_WEEKS, cache);
      return { segment, pAlive: prediction?.pAlive ?? null, clv: prediction?.clv ?? null, valueRank };
    } catch (error) {
      // No model yet: a condition on these fields holds for no one.
      if (error instanceof ModelNotFittedError) return { segment, pAlive: null, clv: null, valueRank: null };
      throw error;
    }
  }

  /** Each RFM result indexed by customer once, not searched for every customer read. */
  private async segments(asOf: string): Promise<Map<string, string>> {
    const result = await this.analytics.rfm(asOf, this.currency, { maxStaleMs: MAX_STALE_MS });
    let index = this.indexed.get(result);
    if (!index) this.indexed.set(result, (index = new Map(result.customers.map((c) => [c.customerId, c.segment]))));
    return index;
  }

  private everyone(asOf: string): Promise<ReadonlyMap<string, AnalyticsFacts>> {
    const now = this.clock.now().getTime();
    const kept = this.kept.get(asOf);
    // Still being computed (reads of one evaluation share it), or costly and recent enough.
    if (kept && (kept.costMs === undefined || (kept.costMs > EXPENSIVE_MS && now - kept.computedAt <= MAX_STALE_MS))) return kept.facts;
    const started = performance.now();
    const facts = this.compute(asOf);
    const entry: Everyone = { computedAt: now, facts };
    facts.then(
      () => (entry.costMs = performance.now() - started),
      // A failure is not kept: the next read tries again.
      () => this.kept.get(asOf) === entry && this.kept.delete(asOf),
    );
    this.kept.delete(asOf);
    if (this.kept.size >= KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(asOf, entry);
    return facts;
  }

  private async compute(asOf: string): Promise<ReadonlyMap<string, AnalyticsFacts>> {
    const cache = { maxStaleMs: MAX_STALE_MS };
    const segments = await this.segments(asOf);
    let pAlive: ReadonlyMap<string, number> = new Map();
    let clv = new Map<string, number>();
    let ranks: ReadonlyMap<string, number> = new Map();
    try {
      pAlive = await this.analytics.pAliveByCustomer(asOf, cache);
      clv = new Map((await this.analytics.value(asOf, this.currency, Number.MAX_SAFE_INTEGER, HORIZON_WEEKS)).map((c) => [c.customerId, c.clv!]));
      ranks = await this.analytics.valueRanks(asOf, this.currency, HORIZON_WEEKS, cache);
    } catch (error) {
      // No model yet: a condition on these fields holds for no one.
      if (!(error instanceof ModelNotFittedError)) throw error;
    }
    const facts = new Map<string, AnalyticsFacts>();
    for (const customerId of new Set([...segments.keys(), ...pAlive.keys()])) {
      facts.set(customerId, {
        segment: segments.get(customerId) ?? null,
        pAlive: pAlive.get(customerId) ?? null,
        clv: clv.get(customerId) ?? null,
        valueRank: ranks.get(customerId) ?? null,
      });
    }
    return facts;
  }
}

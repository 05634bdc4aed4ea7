// What playbook conditions read of the analytics (segment, pAlive, clv,
// valueRank), as the 360 shows it: as of the start of the hour, in the
// reporting currency, fitted at most a minute before the last purchase.
import { AnalyticsService, ModelNotFittedError } from '../analytics.service';
import type { Clock } from '../customer-commands.service';
import type { AnalyticsFacts, CustomerAnalyticsReader } from './playbook-runner';

const MAX_STALE_MS = 60_000;
const HORIZON_WEEKS = 52;

export class AnalyticsFactsReader implements CustomerAnalyticsReader {
  /** Each RFM result indexed by customer once, not searched for every customer read. */
  private readonly indexed = new WeakMap<object, Map<string, string>>();

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly currency: string,
    private readonly clock: Clock,
  ) {}

  async read(customerId: string): Promise<AnalyticsFacts> {
    const hour = this.clock.now();
    hour.setUTCMinutes(0, 0, 0);
    const asOf = hour.toISOString();
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

  private async segments(asOf: string): Promise<Map<string, string>> {
    const result = await this.analytics.rfm(asOf, this.currency, { maxStaleMs: MAX_STALE_MS });
    let index = this.indexed.get(result);
    if (!index) this.indexed.set(result, (index = new Map(result.customers.map((c) => [c.customerId, c.segment]))));
    return index;
  }
}

// Computes the workspace's costly answers before anyone asks. A fit of
// 20,000 customers takes a second or two; an analyst who opens the models or
// the value view after a restart, or after new purchases were projected,
// should not be the one who waits for it. After each change to the purchases
// settles, the warmer computes the analyses asked for lately again (see
// AnalyticsService.refresh) and today's default scope, which the workspace
// opens on; with fits in worker threads, requests meanwhile are answered.
import { PURCHASE_MODELS, type PurchaseModelChoice } from '@rapport/analytics';
import type { StructuredLogger } from '@rapport/config';
import { PURCHASES_VERSION } from '@rapport/projections';
import { startOfHourUtc } from './analytics/analytics-scope';
import type { AnalyticsService } from './analytics.service';
import type { CustomerReadModels } from './customer-read-models';

export interface AnalyticsWarmerOptions {
  /** The reporting currency: the workspace's default, and the 360's. */
  readonly currency: string;
  /** The purchase model behind the 360's predictions (RAPPORT_PURCHASE_MODEL; default `bgnbd`). */
  readonly predictionModel?: PurchaseModelChoice;
  /** How often the purchases version is read, in ms (default 1,000). */
  readonly pollMs?: number;
  /** How long the purchases must stay unchanged before warming, in ms (default 2,000): an import runs to its end first. */
  readonly settleMs?: number;
  /** The least time from the start of one pass to the start of the next, in ms (default 30,000): under a trickle of purchases it computes ahead now and then, not after every one. */
  readonly minIntervalMs?: number;
  /** Fewer purchasing customers than this are quick to analyse on demand: today's scope is not computed ahead (default 1,000). */
  readonly minCustomers?: number;
  readonly now?: () => number;
  readonly logger?: StructuredLogger;
}

/** What the warmer has done: for /metrics and for whoever waits for it (the bench). */
export interface AnalyticsWarmerStats {
  /** Passes completed (each after a change to the purchases settled). */
  readonly passes: number;
  /** When the last pass ended (ms since the epoch), and how long it took; 0 before the first. */
  readonly lastEndedAt: number;
  readonly lastDurationMs: number;
  /**
   * A change to the purchases, as of the last poll, is not computed ahead
   * yet: it waits to settle or for the pass interval, or its pass runs (a
   * pass marks its version warmed only at its end).
   */
  readonly behind: boolean;
}

export class AnalyticsWarmer {
  private statistics: Omit<AnalyticsWarmerStats, 'behind'> = { passes: 0, lastEndedAt: 0, lastDurationMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private seen: string | undefined;
  private changedAt = 0;
  private warmed: string | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly readModels: Pick<CustomerReadModels, 'getVersion'>,
    private readonly options: AnalyticsWarmerOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
  }

  get stats(): AnalyticsWarmerStats {
    return { ...this.statistics, behind: this.seen !== undefined && this.seen !== this.warmed };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll: warms once the purchases have settled on a version not warmed yet. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.running) return;
    const now = (this.options.now ?? Date.now)();
    let version: string;
    try {
      version = await this.readModels.getVersion(PURCHASES_VERSION);
    } catch {
      return; // the read store blinked; the next poll asks again
    }
    if (version !== this.seen) {
      this.seen = version;
      this.changedAt = now;
    }
    if (version === this.warmed || now - this.changedAt < (this.options.settleMs ?? 2_000)) return;
    if (now - this.lastStartedAt < (this.options.minIntervalMs ?? 30_000)) return;
    this.lastStartedAt = now;
    this.running = this.analytics.inBackground(() => this.warm(version, now)).finally(() => (this.running = undefined));
    await this.running;
  }

  private async warm(version: string, now: number): Promise<void> {
    const started = Date.now();
    try {
      if ((await this.analytics.purchasingCustomers()) >= (this.options.minCustomers ?? 1_000)) await this.today(now);
      const refreshed = await this.analytics.refresh();
      this.warmed = version;
      this.options.logger?.info('analytics computed ahead', { purchasesVersion: version, refreshed, ms: Date.now() - started });
      this.statistics = { passes: this.statistics.passes + 1, lastEndedAt: Date.now(), lastDurationMs: Date.now() - started };
    } catch (error) {
      // Left for the next change: asking for an analysis that fails says why.
      this.warmed = version;
      this.options.logger?.warn('analytics could not be computed ahead', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * The workspace's default scope (today, to the end of the day, in the reporting currency): its fits
   * and rankings; and the 360's (the start of this hour): its predictions' fits and covariances.
   */
  private async today(now: number): Promise<void> {
    const asOf = `${new Date(now).toISOString().slice(0, 10)}T23:59:59Z`;
    const { currency } = this.options;
    const settle = (work: Promise<unknown>) => work.then(() => undefined, () => undefined);
    await Promise.all([...PURCHASE_MODELS.map((model) => settle(this.analytics.purchaseModel(model, asOf))), settle(this.analytics.gammaGamma(asOf, currency))]);
    await settle(this.analytics.atRisk(asOf, currency, 1));
    await settle(this.analytics.preparePredictions(startOfHourUtc(now), currency, this.options.predictionModel ?? 'bgnbd'));
  }
}

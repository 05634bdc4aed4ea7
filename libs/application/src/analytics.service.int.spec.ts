import { randomUUID } from 'node:crypto';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { inProcessModelFitter, PURCHASE_MODEL, type FitJob, type ModelFitter } from '@rapport/analytics';
import { READ_MODELS } from '@rapport/projections';
import { AnalyticsService } from './analytics.service';
import { AnalyticsWarmer } from './analytics-warmer';
import { CustomerCommands } from './customer-commands.service';
import { CustomerReadModels } from './customer-read-models';
import { LogSubscription } from './log-subscription';
import { ProjectionHandler } from './projection-handler';
import { syntheticPurchases } from './testing/synthetic-buyers';

const AS_OF = '2026-06-01T00:00:00Z';

/** An in-memory log projected into in-memory read models, and purchases recorded through the commands. */
interface Fixture {
  readonly readStore: CustomerReadModels;
  buy(customerId: string, day: string): Promise<void>;
  /** Records an event and projects it. */
  record(event: Parameters<CustomerCommands['record']>[0]): Promise<void>;
  close(): Promise<void>;
}

function openFixture(): Fixture {
  const log = SqliteEventStore.open(':memory:');
  const documents = SqliteDocumentStore.open(':memory:', collectionsOf(READ_MODELS));
  const readStore = new CustomerReadModels(documents);
  const runner = new LogSubscription(log, new ProjectionHandler(documents), documents);
  const commands = new CustomerCommands(log, { now: () => new Date('2026-06-01T00:00:00Z') }, { next: () => randomUUID() });
  let orders = 0;
  const record = async (event: Parameters<CustomerCommands['record']>[0]) => {
    await commands.record(event);
    await runner.catchUp();
  };
  return {
    readStore,
    record,
    buy: (customerId, day) => record({ customerId, type: 'purchased', occurredAt: `${day}T12:00:00Z`, data: { orderId: `o${(orders += 1)}`, amount: 1000, currency: 'USD' } }),
    close: async () => void (await Promise.all([log.close(), readStore.close()])),
  };
}

describe('AnalyticsService caching', () => {
  let fixture: Fixture;
  let readStore: CustomerReadModels;
  const buy = (customerId: string, day: string) => fixture.buy(customerId, day);

  beforeEach(async () => {
    fixture = openFixture();
    readStore = fixture.readStore;
    await buy('a', '2026-01-10');
    await buy('b', '2026-02-10');
  });
  afterEach(() => fixture.close());

  it('serves a repeated question from the cache and recomputes once a purchase is projected', async () => {
    const analytics = new AnalyticsService(readStore);
    const first = await analytics.rfm(AS_OF, 'USD');
    expect(await analytics.rfm(AS_OF, 'USD')).toBe(first);
    await buy('c', '2026-03-10');
    const after = await analytics.rfm(AS_OF, 'USD');
    expect(after).not.toBe(first);
    expect(after.customers.map((c) => c.customerId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('ranks for best on the later half of the span, and falls back to BG/NBD, saying why, when it cannot rank', async () => {
    const analytics = new AnalyticsService(readStore);
    // The first purchase-day is 2026-01-10: two days to asOf leave a one-day holdout, too short to judge a model.
    expect(await analytics.bestModel('2026-01-12T00:00:00Z')).toEqual({
      model: 'bgnbd',
      selection: { choice: 'best', calibrationEnd: null, holdoutEnd: '2026-01-12T00:00:00Z', mapePercent: null, fallback: expect.stringMatching(/span 2 days/) },
    });
    // 142 days to AS_OF: the models are fitted to 71 days before it, and two customers fit none of them.
    expect(await analytics.bestModel(AS_OF)).toEqual({
      model: 'bgnbd',
      selection: { choice: 'best', calibrationEnd: '2026-03-22T00:00:00.000Z', holdoutEnd: AS_OF, mapePercent: null, fallback: expect.stringMatching(/no model could be fitted/) },
    });
    // A holdout is at most MAX_HOLDOUT_DAYS (3,653) long, however long ago the first purchase.
    expect((await analytics.bestModel('2060-01-01T00:00:00Z')).selection.calibrationEnd).toBe('2049-12-31T00:00:00.000Z');
  });

  it('scans the purchases and the facts again after a scan that failed (the store blinked), instead of failing for good', async () => {
    const blinkOnce = <T,>(scan: () => AsyncIterable<T>): (() => AsyncIterable<T>) => {
      let fail = true;
      return () => {
        if (!fail) return scan();
        fail = false;
        return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('connection reset')) }) };
      };
    };
    const blinking = Object.create(readStore) as CustomerReadModels;
    blinking.scanPurchases = blinkOnce(() => readStore.scanPurchases());
    blinking.scanFacts = blinkOnce(() => readStore.scanFacts());
    const analytics = new AnalyticsService(blinking);
    await expect(analytics.rfm(AS_OF, 'USD')).rejects.toThrow('connection reset');
    expect((await analytics.rfm(AS_OF, 'USD')).customers).toHaveLength(2);
    await expect(analytics.funnel(AS_OF)).rejects.toThrow('connection reset');
    expect((await analytics.funnel(AS_OF)).customers).toBe(2);
  });

  it('ignores events that are not purchases', async () => {
    const analytics = new AnalyticsService(readStore);
    const first = await analytics.rfm(AS_OF, 'USD');
    await fixture.record({ customerId: 'a', type: 'contacted', occurredAt: '2026-04-01T00:00:00Z', data: { channel: 'sms', direction: 'outbound' } });
    expect(await analytics.rfm(AS_OF, 'USD')).toBe(first);
  });

  it('serves a costly result stale within maxStaleMs', async () => {
    // Every reading of this clock moves it 100 ms on: every computation looks costly.
    let clock = 0;
    const analytics = new AnalyticsService(readStore, {}, () => (clock += 100));
    const costly = await analytics.rfm(AS_OF, 'USD', { maxStaleMs: 60_000 });
    await new Promise((r) => setImmediate(r));
    await buy('c', '2026-03-10');
    expect(await analytics.rfm(AS_OF, 'USD', { maxStaleMs: 60_000 })).toBe(costly);
    // Without a staleness allowance the new purchase counts at once.
    expect((await analytics.rfm(AS_OF, 'USD')).customers).toHaveLength(3);
  });

  it('does not refit on a purchase its inputs do not see (dated after asOf), and refits on one they do', async () => {
    const fit = jest.spyOn(PURCHASE_MODEL.bgnbd, 'estimate');
    try {
      await buy('a', '2026-01-20');
      await buy('b', '2026-02-15');
      const analytics = new AnalyticsService(readStore);
      const asOf = '2026-04-01T00:00:00Z';
      const first = await analytics.purchaseModel('bgnbd', asOf);
      const spend = await analytics.gammaGamma(asOf, 'USD');
      expect(fit.mock.calls.length).toBe(1);
      // Later than asOf: the read models moved, the fit's inputs did not.
      await buy('a', '2026-05-10');
      const again = await analytics.purchaseModel('bgnbd', asOf);
      expect(again.fit).toBe(first.fit);
      expect((await analytics.gammaGamma(asOf, 'USD')).fit).toBe(spend.fit);
      expect(fit.mock.calls.length).toBe(1);
      // By asOf: the inputs change, and so the fit is made again.
      await buy('c', '2026-03-01');
      expect((await analytics.purchaseModel('bgnbd', asOf)).customers).toBe(3);
      expect(fit.mock.calls.length).toBe(2);
    } finally {
      fit.mockRestore();
    }
  });

  describe('staleWhileRevalidate (the 360)', () => {
    const SWR = { staleWhileRevalidate: true };

    /** A year of purchases to 2026-05-31 by buyers BG/NBD and Gamma-Gamma can fit. */
    const BUYERS_AS_OF = '2026-06-01T00:00:00Z';
    async function recordBuyers(): Promise<void> {
      for (const p of syntheticPurchases(120, '2025-06-01T12:00:00Z')) {
        await fixture.record({ customerId: p.customerId, type: 'purchased', occurredAt: p.occurredAt, data: { orderId: randomUUID(), amount: p.amount, currency: p.currency } });
      }
    }

    /** Polls `done` between turns of the event loop until it holds; fails after `turns`. */
    async function eventually(done: () => Promise<boolean>, turns = 500): Promise<void> {
      for (let i = 0; i < turns; i++) {
        if (await done()) return;
        await new Promise((r) => setTimeout(r, 2));
      }
      throw new Error('never held');
    }

    it('answers a costly result however stale at once, and the one computed behind it once it is in', async () => {
      // Every reading of this clock moves it 100 ms on: every computation looks costly.
      let clock = 0;
      const analytics = new AnalyticsService(readStore, {}, () => (clock += 100));
      const costly = await analytics.rfm(AS_OF, 'USD', SWR);
      await new Promise((r) => setImmediate(r));
      await buy('c', '2026-03-10');
      expect(await analytics.rfm(AS_OF, 'USD', SWR)).toBe(costly);
      await eventually(async () => (await analytics.rfm(AS_OF, 'USD', SWR)).customers.length === 3);
      // Without the option the caller gets the current answer, computed for it if need be.
      await buy('d', '2026-03-11');
      expect((await analytics.rfm(AS_OF, 'USD')).customers).toHaveLength(4);
    });

    it('computes a covariance on the very inputs of the fit it goes with, even when that fit is served stale', async () => {
      let clock = 0;
      const jobs: FitJob[] = [];
      const recording: ModelFitter = {
        run: (job, priority) => {
          jobs.push(job);
          return inProcessModelFitter.run(job, priority);
        },
        promote: () => undefined,
        close: async () => undefined,
      };
      await recordBuyers();
      const analytics = new AnalyticsService(readStore, { fitter: recording, fitterMinCustomers: 0 }, () => (clock += 100));
      const stale = { maxStaleMs: 60_000, staleWhileRevalidate: true };
      // The fit alone first; then a purchase, and a prediction that takes the fit stale and needs its covariance.
      await analytics.bgnbd(BUYERS_AS_OF);
      await buy('c-1', '2026-05-20');
      expect((await analytics.predict('c-1', BUYERS_AS_OF, 'USD', 52, stale))?.intervals).not.toBeNull();
      const fits = jobs.filter((j) => j.kind === 'purchase-fit');
      const covariances = jobs.filter((j) => j.kind === 'purchase-covariance');
      expect(fits).toHaveLength(1);
      expect(covariances).toHaveLength(1);
      expect(Array.from(covariances[0]!.summaries)).toEqual(Array.from(fits[0]!.summaries));
    });

    it('never makes a prediction wait for a refit once a fit exists; the refit runs once, in the background', async () => {
      let clock = 0;
      let gate: Promise<void> = Promise.resolve();
      const jobs: { kind: FitJob['kind']; priority: string | undefined }[] = [];
      const gated: ModelFitter = {
        async run(job, priority) {
          jobs.push({ kind: job.kind, priority });
          await gate;
          return inProcessModelFitter.run(job, priority);
        },
        promote: () => undefined,
        close: async () => undefined,
      };
      await recordBuyers();
      const analytics = new AnalyticsService(readStore, { fitter: gated, fitterMinCustomers: 0 }, () => (clock += 100));
      const asOf = BUYERS_AS_OF;
      const first = await analytics.predict('c-1', asOf, 'USD', 52, SWR);
      expect(first?.pAlive).not.toBeNull();

      // The fitter hangs from here on: a prediction that waited for it would never answer.
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      jobs.length = 0;
      await buy('d', '2026-03-20');
      const stale = await analytics.predict('c-1', asOf, 'USD', 52, SWR);
      expect(stale?.pAlive).toBe(first?.pAlive);
      await analytics.predict('c-2', asOf, 'USD', 52, SWR);
      // The refits are asked for once each, as background work, and hang: the predictions still answer, stale.
      await eventually(async () => jobs.length > 0);
      expect((await analytics.predict('c-1', asOf, 'USD', 52, SWR))?.pAlive).toBe(first?.pAlive);
      expect(jobs.every((j) => j.priority === 'background')).toBe(true);
      expect(new Set(jobs.map((j) => j.kind)).size).toBe(jobs.length);
      // More purchases while the refit hangs: still answered at once, from the result the refit will replace.
      await buy('e', '2026-03-25');
      expect((await analytics.predict('c-1', asOf, 'USD', 52, SWR))?.pAlive).toBe(first?.pAlive);

      release();
      await eventually(async () => (await analytics.predict('c-1', asOf, 'USD', 52, SWR))?.pAlive !== first?.pAlive);
    });

    it('answers predictions as of the newest hour prepared while a new hour’s are prepared in the background', async () => {
      await recordBuyers();
      const analytics = new AnalyticsService(readStore);
      const earlier = '2026-05-31T10:00:00.000Z';
      const later = '2026-05-31T11:00:00.000Z';
      // Nothing prepared yet: the first read computes as of its own hour.
      expect(analytics.predictionsAsOf(earlier, 'USD')).toBe(earlier);
      await analytics.preparePredictions(earlier, 'USD');
      expect(analytics.predictionsAsOf(earlier, 'USD')).toBe(earlier);
      // A new hour: the last one prepared answers, the new one is prepared behind it, then answers.
      expect(analytics.predictionsAsOf(later, 'USD')).toBe(earlier);
      await eventually(async () => analytics.predictionsAsOf(later, 'USD') === later);
      // Another currency or model has its own.
      expect(analytics.predictionsAsOf(later, 'EUR')).toBe(later);
    });

    it('asks as of the new hour itself once its predictions could not be prepared, so the 360 says why', async () => {
      await recordBuyers();
      const analytics = new AnalyticsService(readStore);
      const earlier = '2026-05-31T10:00:00.000Z';
      const later = '2026-05-31T11:00:00.000Z';
      await analytics.preparePredictions(earlier, 'USD');
      const prepare = jest.spyOn(analytics, 'preparePredictions').mockRejectedValue(new Error('no model fits'));
      try {
        expect(analytics.predictionsAsOf(later, 'USD')).toBe(earlier);
        await eventually(async () => analytics.predictionsAsOf(later, 'USD') === later);
        expect(prepare).toHaveBeenCalledTimes(1);
      } finally {
        prepare.mockRestore();
      }
    });
  });

  it('recomputes a cheap result despite a staleness allowance', async () => {
    const analytics = new AnalyticsService(readStore, {}, () => 0);
    expect((await analytics.rfm(AS_OF, 'USD', { maxStaleMs: 60_000 })).customers).toHaveLength(2);
    await new Promise((r) => setImmediate(r));
    await buy('c', '2026-03-10');
    expect((await analytics.rfm(AS_OF, 'USD', { maxStaleMs: 60_000 })).customers).toHaveLength(3);
  });
});

describe('AnalyticsService.refresh and AnalyticsWarmer: the costly answers computed before anyone asks', () => {
  let fixture: Fixture;
  let readStore: CustomerReadModels;
  const buy = (customerId: string, day: string) => fixture.buy(customerId, day);

  beforeEach(async () => {
    fixture = openFixture();
    readStore = fixture.readStore;
    for (const [c, days] of [['a', ['2026-01-10', '2026-02-10', '2026-04-01']], ['b', ['2026-02-10', '2026-03-20']], ['c', ['2026-03-01']]] as const) {
      for (const day of days) await buy(c, day);
    }
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fixture.close();
  });

  it('refresh() fits again what was asked once the purchases moved, so the next ask finds it; unasked or fresh answers are left alone', async () => {
    const fit = jest.spyOn(PURCHASE_MODEL.bgnbd, 'estimate');
    const analytics = new AnalyticsService(readStore, { refreshAfterMs: 0 });
    const before = await analytics.purchaseModel('bgnbd', AS_OF);
    expect(fit).toHaveBeenCalledTimes(1);
    expect(await analytics.refresh()).toBe(0); // nothing has moved
    await buy('d', '2026-05-01'); // reaches the summaries as of AS_OF
    expect(await analytics.refresh()).toBeGreaterThan(0);
    expect(fit).toHaveBeenCalledTimes(2);
    const after = await analytics.purchaseModel('bgnbd', AS_OF);
    expect(fit).toHaveBeenCalledTimes(2); // found ready
    expect(after.customers).toBe(before.customers + 1);
    expect(await analytics.refresh()).toBe(0);
  });

  it('refresh() leaves cheap answers to be computed on demand (refreshAfterMs)', async () => {
    const fit = jest.spyOn(PURCHASE_MODEL.bgnbd, 'estimate');
    const analytics = new AnalyticsService(readStore, { refreshAfterMs: 60_000 });
    await analytics.purchaseModel('bgnbd', AS_OF);
    await buy('d', '2026-05-01');
    expect(await analytics.refresh()).toBe(0);
    expect(fit).toHaveBeenCalledTimes(1);
  });

  it('the warmer waits for the purchases to settle, then computes today’s default scope and refreshes, once per change', async () => {
    let now = Date.parse('2026-06-01T10:00:00Z');
    const analytics = new AnalyticsService(readStore, { refreshAfterMs: 0 });
    const asked = jest.spyOn(analytics, 'purchaseModel');
    const ranked = jest.spyOn(analytics, 'atRisk');
    const warmer = new AnalyticsWarmer(analytics, readStore, { currency: 'USD', settleMs: 2_000, minIntervalMs: 20_000, minCustomers: 3, now: () => now });
    // What the warmer says while its pass runs: still behind, until the pass ends.
    const duringPass: boolean[] = [];
    const refresh = analytics.refresh.bind(analytics);
    jest.spyOn(analytics, 'refresh').mockImplementation(async () => {
      duringPass.push(warmer.stats.behind);
      return refresh();
    });
    expect(warmer.stats.behind).toBe(false); // nothing seen yet
    await warmer.tick(); // sees the purchases version: the clock of settling starts
    expect(asked).not.toHaveBeenCalled();
    expect(warmer.stats.behind).toBe(true);
    now += 1_999;
    await warmer.tick();
    expect(asked).not.toHaveBeenCalled();
    now += 1;
    await warmer.tick();
    // Each model at the end of today (the at-risk ranking asks BG/NBD's fit once more, through the cache),
    // and the 360's predictions as of the start of this hour.
    expect([...new Set(asked.mock.calls.map(([model, asOf]) => `${model}@${asOf}`))].sort()).toEqual([
      'bgnbd@2026-06-01T10:00:00.000Z',
      'bgnbd@2026-06-01T23:59:59Z',
      'mbg-nbd@2026-06-01T23:59:59Z',
      'pareto-nbd@2026-06-01T23:59:59Z',
    ]);
    expect(ranked).toHaveBeenCalledWith('2026-06-01T23:59:59Z', 'USD', 1);
    expect(duringPass).toEqual([true]);
    expect(warmer.stats).toEqual(expect.objectContaining({ passes: 1, behind: false }));
    const once = asked.mock.calls.length;
    now += 10_000;
    await warmer.tick(); // the same purchases: nothing more to do
    expect(asked).toHaveBeenCalledTimes(once);
    await buy('d', '2026-05-01');
    await warmer.tick();
    expect(asked).toHaveBeenCalledTimes(once); // not settled yet
    now += 2_000;
    await warmer.tick();
    expect(asked).toHaveBeenCalledTimes(once); // settled, but 12 s after the last pass began: at most one pass in 20 s
    expect(warmer.stats.behind).toBe(true); // the new purchase's pass is still to come
    now += 8_000;
    await warmer.tick();
    expect(asked).toHaveBeenCalledTimes(2 * once);
    expect(warmer.stats).toEqual(expect.objectContaining({ passes: 2, behind: false }));
    expect(ranked).toHaveBeenCalledTimes(2);
  });

  it('the warmer leaves a small population to be analysed on demand', async () => {
    let now = Date.parse('2026-06-01T10:00:00Z');
    const analytics = new AnalyticsService(readStore);
    const asked = jest.spyOn(analytics, 'purchaseModel');
    const warmer = new AnalyticsWarmer(analytics, readStore, { currency: 'USD', settleMs: 0, minCustomers: 4, now: () => now });
    await warmer.tick();
    now += 1;
    await warmer.tick();
    expect(asked).not.toHaveBeenCalled();
  });
});

describe('AnalyticsService rankings in a currency', () => {
  it('ranks the customers who bought in the currency by their spend in it, with P(alive) from every purchase', async () => {
    const fixture = openFixture();
    try {
      // Every fourth buyer pays every other purchase in EUR: their spend in USD and in all currencies differ.
      const purchases = syntheticPurchases(160, '2025-06-01T12:00:00Z').map((p, i) => (Number(p.customerId.slice(2)) % 4 === 0 && i % 2 === 0 ? { ...p, currency: 'EUR' } : p));
      for (const p of purchases) {
        await fixture.record({ customerId: p.customerId, type: 'purchased', occurredAt: p.occurredAt, data: { orderId: randomUUID(), amount: p.amount, currency: p.currency } });
      }
      const analytics = new AnalyticsService(fixture.readStore);
      const asOf = '2026-06-01T00:00:00Z';
      const spent = new Map<string, number>();
      for (const p of purchases) if (p.currency === 'EUR') spent.set(p.customerId, (spent.get(p.customerId) ?? 0) + p.amount);
      expect(spent.size).toBeGreaterThan(20);
      const pAlive = await analytics.pAliveByCustomer(asOf);

      const atRisk = await analytics.atRisk(asOf, 'EUR', 1_000);
      expect(new Set(atRisk.map((c) => c.customerId))).toEqual(new Set(spent.keys()));
      for (const c of atRisk) {
        expect(c.pastValue).toBe(spent.get(c.customerId));
        expect(c.pAlive).toBe(pAlive.get(c.customerId));
        expect(c.valueAtRisk).toBe(c.pastValue * (1 - c.pAlive));
      }
      expect(atRisk.map((c) => c.valueAtRisk)).toEqual([...atRisk.map((c) => c.valueAtRisk)].sort((a, b) => b - a));

      const valuable = await analytics.value(asOf, 'EUR', 1_000);
      expect(valuable.length).toBeGreaterThan(0);
      expect(valuable.every((c) => c.clv !== null && Number.isFinite(c.clv) && spent.has(c.customerId))).toBe(true);
      expect(valuable.map((c) => c.clv)).toEqual([...valuable.map((c) => c.clv!)].sort((a, b) => b - a));
      expect(await analytics.atRisk(asOf, 'EUR', 3)).toEqual(atRisk.slice(0, 3));
    } finally {
      await fixture.close();
    }
  }, 60_000);
});

describe('AnalyticsService predictions', () => {
  it('gives no intervals, and says why, for a customer the fit gives no finite value for', async () => {
    // One customer, three purchases in a week and nine months of silence: BG/NBD fitted on that one history
    // puts her P(alive) near 1e-47, and her expected purchases overflow (NaN).
    const fixture = openFixture();
    try {
      for (const day of ['2026-03-04', '2026-03-05', '2026-03-09']) await fixture.buy('ada', day);
      const prediction = await new AnalyticsService(fixture.readStore).predict('ada', '2026-12-04T18:00:00Z', 'USD', 52);
      expect(prediction?.pAlive).toBeLessThan(1e-6);
      expect(Number.isFinite(prediction?.expectedPurchases)).toBe(false);
      expect(prediction?.intervals).toBeNull();
      expect(prediction?.intervalsUnavailable).toBe('bgnbd: no finite expectedPurchases for this customer');
    } finally {
      await fixture.close();
    }
  });
});

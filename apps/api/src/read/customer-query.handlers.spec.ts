import {
  InvalidCursorError,
  ModelNotFittedError,
  type AnalyticsService,
  type CacheOptions,
  type CustomerListQuery,
  type CustomerPrediction,
  type CustomerReadModels,
  type PlaybookRunner,
} from '@rapport/application';
import type { RfmResult, RfmRow } from '@rapport/analytics';
import type { RapportConfig } from '@rapport/config';
import type { PersonalDataVault } from '@rapport/event-store';
import type { CustomerView } from '@rapport/projections';
import { GetCustomer360Handler, ListCustomersHandler } from './customer-query.handlers';
import { GetCustomer360Query, ListCustomersQuery } from './customer.queries';

const NOW = '2026-03-04T05:06:07.890Z';
/** The 360's analytics are as of the start of the hour. */
const HOUR = '2026-03-04T05:00:00.000Z';

const view = (customerId: string, extra: Partial<CustomerView> = {}): CustomerView =>
  ({ customerId, revision: 3, stage: 'repeat', attributes: {}, score: null, name: `Name ${customerId}`, ...extra }) as CustomerView;

const row = (customerId: string, segment: RfmRow['segment']): RfmRow => ({ customerId, recencyDays: 10, frequency: 2, monetary: 2500, r: 5, f: 3, m: 4, fm: 4, segment });

const INTERVALS_A = { level: 0.9, pAlive: { low: 0.45, high: 0.95 }, expectedPurchases: { low: 1.2, high: 1.9 }, expectedSpend: { low: 1000, high: 1400 }, clv: { low: 1300, high: 2200 } };

const prediction = (customerId: string, pAlive: number | null): CustomerPrediction => ({
  customerId,
  asOf: HOUR,
  currency: 'EUR',
  horizonWeeks: 52,
  summary: null,
  monetary: null,
  pAlive,
  expectedPurchases: pAlive === null ? null : 1.5,
  expectedSpend: pAlive === null ? null : 1200,
  clv: pAlive === null ? null : 1700,
  model: 'bgnbd',
  intervals:
    pAlive === null
      ? null
      : { ...INTERVALS_A, pAlive: { low: pAlive / 2, high: (1 + pAlive) / 2 } },
});

/** In-memory collaborators: documents by id, one RFM answer, predictions by id (or a model that cannot be fitted). */
function fakes(options: {
  views?: CustomerView[];
  rows?: RfmRow[];
  predictions?: Record<string, CustomerPrediction>;
  unfitted?: string;
  pendingErasures?: string[];
  nextDue?: Record<string, { playbookId: string; dueAt: string }[]>;
  listed?: (query: CustomerListQuery) => void;
  purchaseModel?: RapportConfig['purchaseModel'];
  /** The newest hour whose predictions are prepared, when it is not the current one. */
  preparedHour?: string;
}) {
  const asked: string[] = [];
  const cacheOf = (cache: CacheOptions) => `${cache.maxStaleMs}${cache.staleWhileRevalidate ? ' stale-while-revalidate' : ''}`;
  const views = new Map((options.views ?? []).map((v) => [v.customerId, v]));
  const readStore = {
    getCustomer: async (id: string) => views.get(id),
    listCustomers: async (query: CustomerListQuery) => {
      options.listed?.(query);
      if (query.cursor === 'forged') throw new InvalidCursorError();
      return { items: [...views.values()].filter((v) => !query.customerIds || query.customerIds.includes(v.customerId)), nextCursor: null };
    },
  } as unknown as CustomerReadModels;
  const analytics = {
    rfm: async (asOf: string, currency: string, cache: CacheOptions): Promise<RfmResult> => {
      asked.push(`rfm ${asOf} ${currency} ${cacheOf(cache)}`);
      return { customers: options.rows ?? [], segments: {} as RfmResult['segments'] };
    },
    predictionsAsOf: (asOf: string) => options.preparedHour ?? asOf,
    predict: async (id: string, asOf: string, currency: string, horizonWeeks: number, cache: CacheOptions, model: string) => {
      asked.push(`predict ${id} ${asOf} ${currency} ${horizonWeeks} ${cacheOf(cache)} ${model}`);
      if (options.unfitted) throw new ModelNotFittedError('bgnbd', options.unfitted);
      return options.predictions?.[id];
    },
  } as unknown as AnalyticsService;
  const vault = {
    erasurePending: async (id: string) => (options.pendingErasures ?? []).includes(id),
  } as unknown as PersonalDataVault;
  const config = { reportingCurrency: 'EUR', purchaseModel: options.purchaseModel ?? 'bgnbd' } as RapportConfig;
  const runner = { nextDue: async (id: string) => (options.nextDue?.[id] ?? []) } as unknown as PlaybookRunner;
  return {
    asked,
    customer360: new GetCustomer360Handler(readStore, analytics, vault, config, runner),
    list: new ListCustomersHandler(readStore, analytics, vault, config),
  };
}

describe('GetCustomer360Handler', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date(NOW) }));
  afterEach(() => jest.useRealTimers());

  it('answers undefined for a customer the read models do not hold, without asking the analytics', async () => {
    const { customer360, asked } = fakes({ views: [view('a')] });
    expect(await customer360.execute(new GetCustomer360Query('nobody'))).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('assembles the view, its RFM row and its predictions as of the start of the hour in the reporting currency', async () => {
    const { customer360, asked } = fakes({ views: [view('a')], rows: [row('b', 'lost'), row('a', 'champions')], predictions: { a: prediction('a', 0.9) } });
    const answer = await customer360.execute(new GetCustomer360Query('a'));
    expect(answer).toEqual({
      view: view('a'),
      rfm: { asOf: HOUR, currency: 'EUR', ...row('a', 'champions') },
      predictions: { asOf: HOUR, currency: 'EUR', horizonWeeks: 52, pAlive: 0.9, expectedPurchases: 1.5, expectedSpend: 1200, clv: 1700, model: 'bgnbd', intervals: INTERVALS_A },
    });
    expect(answer).not.toHaveProperty('predictionsUnavailable');
    // Fits of the hour are shared by every 360 read in it; costly ones answer stale while the next is computed.
    expect(asked).toEqual([`rfm ${HOUR} EUR 60000 stale-while-revalidate`, `predict a ${HOUR} EUR 52 60000 stale-while-revalidate bgnbd`]);
  });

  it('answers predictions as of the newest hour prepared while this hour’s are computed, and says which', async () => {
    const earlier = '2026-03-01T09:00:00.000Z';
    const { customer360, asked } = fakes({ views: [view('a')], rows: [row('a', 'champions')], predictions: { a: prediction('a', 0.9) }, preparedHour: earlier });
    const answer = await customer360.execute(new GetCustomer360Query('a'));
    expect(answer!.rfm).toMatchObject({ asOf: HOUR });
    expect(answer!.predictions).toMatchObject({ asOf: earlier, pAlive: 0.9 });
    expect(asked).toContain(`predict a ${earlier} EUR 52 60000 stale-while-revalidate bgnbd`);
  });

  it('asks for the configured purchase model and shows how best chose it', async () => {
    const modelSelection = { choice: 'best' as const, calibrationEnd: '2025-09-01T05:00:00.000Z', holdoutEnd: HOUR, mapePercent: 3.2 };
    const chosen: CustomerPrediction = { ...prediction('a', 0.9), model: 'pareto-nbd', modelSelection };
    const { customer360, asked } = fakes({ views: [view('a')], predictions: { a: chosen }, purchaseModel: 'best' });
    const answer = await customer360.execute(new GetCustomer360Query('a'));
    expect(asked).toContain(`predict a ${HOUR} EUR 52 60000 stale-while-revalidate best`);
    expect(answer!.predictions).toMatchObject({ model: 'pareto-nbd', modelSelection, intervals: INTERVALS_A });
    const { intervals, pAlive, clv } = answer!.predictions!;
    expect(intervals!.pAlive.low).toBeLessThanOrEqual(pAlive);
    expect(intervals!.pAlive.high).toBeGreaterThanOrEqual(pAlive);
    expect(intervals!.clv!.low).toBeLessThanOrEqual(clv!);
    expect(intervals!.clv!.high).toBeGreaterThanOrEqual(clv!);
  });

  it('gives the rfm and prediction fields in the order the 360 has always shown them', async () => {
    const { customer360 } = fakes({ views: [view('a')], rows: [row('a', 'champions')], predictions: { a: prediction('a', 0.5) } });
    const answer = await customer360.execute(new GetCustomer360Query('a'));
    expect(Object.keys(answer!.rfm!)).toEqual(['asOf', 'currency', 'customerId', 'recencyDays', 'frequency', 'monetary', 'r', 'f', 'm', 'fm', 'segment']);
    // The model and its intervals come after the fields clients have always read.
    expect(Object.keys(answer!.predictions!)).toEqual(['asOf', 'currency', 'horizonWeeks', 'pAlive', 'expectedPurchases', 'expectedSpend', 'clv', 'model', 'intervals']);
  });

  it('still answers when no model can be fitted, and says why', async () => {
    const { customer360 } = fakes({ views: [view('a')], unfitted: 'too few customers' });
    expect(await customer360.execute(new GetCustomer360Query('a'))).toEqual({
      view: view('a'),
      rfm: null,
      predictions: null,
      predictionsUnavailable: 'bgnbd could not be fitted: too few customers',
    });
  });

  it('gives no predictions for a customer the models cannot place (no purchase yet)', async () => {
    const { customer360 } = fakes({ views: [view('a')], predictions: { a: prediction('a', null) } });
    const answer = await customer360.execute(new GetCustomer360Query('a'));
    expect(answer).toEqual({ view: view('a'), rfm: null, predictions: null });
    expect(answer).not.toHaveProperty('predictionsUnavailable');
  });

  it('says whether the latest erasure is pending or complete, status first', async () => {
    const erasure = { requestedAt: '2026-03-01T00:00:00Z', revision: 7 };
    const { customer360 } = fakes({ views: [view('p', { erasure }), view('c', { erasure })], pendingErasures: ['p'] });
    const pending = await customer360.execute(new GetCustomer360Query('p'));
    const complete = await customer360.execute(new GetCustomer360Query('c'));
    expect(pending!.view.erasure).toEqual({ status: 'pending', ...erasure });
    expect(Object.keys(pending!.view.erasure!)).toEqual(['status', 'requestedAt', 'revision']);
    expect(complete!.view.erasure).toEqual({ status: 'complete', ...erasure });
  });

  it('lets failures other than an unfitted model through', async () => {
    const broken = new GetCustomer360Handler(
      { getCustomer: async () => view('a') } as unknown as CustomerReadModels,
      { rfm: async () => ({ customers: [] }), predictionsAsOf: (asOf: string) => asOf, predict: async () => Promise.reject(new Error('disk gone')) } as unknown as AnalyticsService,
      { erasurePending: async () => false } as unknown as PersonalDataVault,
      { reportingCurrency: 'EUR' } as RapportConfig,
      { nextDue: async () => [] } as unknown as PlaybookRunner,
    );
    await expect(broken.execute(new GetCustomer360Query('a'))).rejects.toThrow('disk gone');
  });
});

describe('ListCustomersHandler', () => {
  it('answers a forged cursor with a refusal value, not an exception', async () => {
    const { list } = fakes({ views: [view('a')] });
    expect(await list.execute(new ListCustomersQuery({ limit: 10, cursor: 'forged' }))).toEqual({
      refused: 'INVALID_CURSOR',
      message: 'cursor is not one this server issued',
    });
  });

  it("lists a segment's members, as the 360 shows their segment", async () => {
    let listed: CustomerListQuery | undefined;
    const { list } = fakes({ views: [view('a'), view('b')], rows: [row('a', 'lost'), row('b', 'champions')], listed: (q) => (listed = q) });
    const page = await list.execute(new ListCustomersQuery({ limit: 10, segment: 'champions' }));
    expect(listed).toEqual({ limit: 10, customerIds: ['b'] });
    expect(page).toEqual({ items: [view('b')], nextCursor: null });
  });
});

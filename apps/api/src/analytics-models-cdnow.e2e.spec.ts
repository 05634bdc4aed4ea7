// CDNOW through the batch API, then the purchase models beside BG/NBD as of
// the calibration end: Pareto/NBD and MBG/NBD within 1% of the published
// figures (../shared/data/cdnow/README.md); holdout validation on the standard
// split against counts made here from the raw file, and the models' ranking.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PURCHASE_MODEL, PURCHASE_MODELS } from '@rapport/analytics';
import { ApiTestClient } from './testing/api-test-client';
import { cdnowEvents, importCdnow, CDNOW_IMPORT_TIMEOUT_MS } from './testing/cdnow-import';

jest.setTimeout(180_000);

const CDNOW = path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');
const AS_OF = '1997-09-30T23:59:59Z';
const HOLDOUT_END = '1998-06-30T23:59:59Z';
const SPLIT = `calibrationEnd=${AS_OF}&holdoutEnd=${HOLDOUT_END}`;

/** `master_id sample_id YYYYMMDD n_cds dollars` → one line of the file each. */
function cdnowLines() {
  return fs
    .readFileSync(CDNOW, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, customerId, date, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
      return { customerId: String(Number(customerId)), date, dollars };
    });
}

/**
 * Per customer, straight from the file: calibration purchase-days (dates up to
 * 1997-09-30; x, and t_x and T in weeks) and distinct purchase dates in the
 * holdout, as days after 1997-09-30.
 */
function cdnowSplit() {
  const dates = new Map<string, Set<string>>();
  for (const { customerId, date } of cdnowLines()) {
    const set = dates.get(customerId) ?? new Set<string>();
    dates.set(customerId, set);
    set.add(date);
  }
  const day = (yyyymmdd: string) => Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;
  const end = day('19970930');
  return [...dates.values()].map((set) => {
    const calibration = [...set].filter((d) => d <= '19970930').sort();
    const holdout = [...set].filter((d) => d > '19970930' && d <= '19980630').map((d) => day(d) - end);
    const first = day(calibration[0]!);
    return { x: calibration.length - 1, tx: (day(calibration[calibration.length - 1]!) - first) / 7, T: (end - first) / 7, holdout };
  });
}

function within1Percent(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(0.01);
}

describe('purchase models on CDNOW over HTTP', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    expect(cdnowEvents()).toHaveLength(6919);
    await importCdnow(api);
  }, CDNOW_IMPORT_TIMEOUT_MS);
  afterAll(async () => {
    await api.stop();
  });

  it('fits Pareto/NBD to r = 0.5533, α = 10.5777, s = 0.6062, β = 11.6687 on 2,357 customers, LL −9594.98', async () => {
    const response = await api.get(`/v1/analytics/models/pareto-nbd?asOf=${AS_OF}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ asOf: AS_OF, timeUnit: 'week', customers: 2357, converged: true });
    const { r, alpha, s, beta } = response.body.params;
    within1Percent(r, 0.5533);
    within1Percent(alpha, 10.5777);
    within1Percent(s, 0.6062);
    within1Percent(beta, 11.6687);
    expect(Math.abs(response.body.logLikelihood - -9594.98)).toBeLessThan(1);
  });

  it('fits MBG/NBD to r = 0.5248, α = 6.1831, a = 0.8914, b = 1.6140 on 2,357 customers, LL −9582.14', async () => {
    const response = await api.get(`/v1/analytics/models/mbg-nbd?asOf=${AS_OF}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ asOf: AS_OF, timeUnit: 'week', customers: 2357, converged: true });
    const { r, alpha, a, b } = response.body.params;
    within1Percent(r, 0.5248);
    within1Percent(alpha, 6.1831);
    within1Percent(a, 0.8914);
    within1Percent(b, 1.614);
    expect(Math.abs(response.body.logLikelihood - -9582.14)).toBeLessThan(1);
  });

  it('answers the three models in one shape', async () => {
    const keys = async (model: string) => Object.keys((await api.get(`/v1/analytics/models/${model}?asOf=${AS_OF}`)).body);
    expect(await keys('pareto-nbd')).toEqual(await keys('bgnbd'));
    expect(await keys('mbg-nbd')).toEqual(await keys('bgnbd'));
  });

  it('refuses a model it cannot fit (no purchase by asOf) with 422 MODEL_NOT_FITTED and the reason, as every fit route does', async () => {
    for (const model of ['bgnbd', 'pareto-nbd', 'mbg-nbd', 'gamma-gamma']) {
      const response = await api.get(`/v1/analytics/models/${model}?asOf=1990-01-01T00:00:00Z`);
      expect({ model, status: response.status, code: response.body.code, detail: response.body.detail }).toEqual({
        model,
        status: 422,
        code: 'MODEL_NOT_FITTED',
        detail: `${model} could not be fitted: ${model === 'gamma-gamma' ? 'no customer with a repeat purchase and a positive amount' : 'no customers to fit'}`,
      });
    }
  });

  it('refuses a bad asOf with a problem+json 400', async () => {
    for (const url of ['/v1/analytics/models/pareto-nbd?asOf=last-tuesday', '/v1/analytics/models/mbg-nbd?asOf=1997-13-01T00:00:00Z', '/v1/analytics/models/mbg-nbd?model=x']) {
      const response = await api.get(url);
      expect({ url, status: response.status, type: response.headers.get('content-type'), code: response.body.code }).toEqual({
        url,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        code: 'VALIDATION_FAILED',
      });
    }
  });

  describe('holdout validation on the standard split (calibration to 1997-09-30, holdout to 1998-06-30)', () => {
    const split = cdnowSplit();

    it.each(PURCHASE_MODELS)('%s: per calibration frequency, the actual means the transactions say and the predicted means of the closed form', async (model) => {
      const response = await api.get(`/v1/analytics/models/${model}/validation?${SPLIT}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ model, calibrationEnd: AS_OF, holdoutEnd: HOLDOUT_END, timeUnit: 'week', holdoutWeeks: 39, customers: 2357 });
      const fit = (await api.get(`/v1/analytics/models/${model}?asOf=${AS_OF}`)).body;
      expect(response.body.fit).toEqual({ converged: true, params: fit.params, logLikelihood: fit.logLikelihood, iterations: fit.iterations });

      const m = PURCHASE_MODEL[model] as (typeof PURCHASE_MODEL)['bgnbd'];
      const buckets = response.body.buckets as { frequency: string; customers: number; meanActual: number; meanPredicted: number }[];
      expect(buckets.map((b) => b.frequency)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
      for (const [i, b] of buckets.entries()) {
        const members = split.filter((c) => (i < 7 ? c.x === i : c.x >= 7));
        expect({ frequency: b.frequency, customers: b.customers, meanActual: b.meanActual }).toEqual({
          frequency: b.frequency,
          customers: members.length,
          meanActual: members.reduce((sum, c) => sum + c.holdout.length, 0) / members.length,
        });
        const predicted = members.reduce((sum, c) => sum + m.conditionalExpectedPurchases(fit.params, c, 39), 0) / members.length;
        expect(Math.abs(b.meanPredicted - predicted)).toBeLessThan(1e-9 * predicted);
      }

      // Week by week, cumulatively: the actual counts from the file, and the MAPE of the tracking as shown.
      const tracking = response.body.tracking as { week: number; day: number; date: string; actual: number; predicted: number }[];
      expect(tracking).toHaveLength(39);
      for (const w of tracking) {
        expect({ week: w.week, actual: w.actual }).toEqual({ week: w.week, actual: split.reduce((sum, c) => sum + c.holdout.filter((d) => d <= w.day).length, 0) });
      }
      expect(tracking[38]).toMatchObject({ day: 273, date: '1998-06-30' });
      expect(tracking[38]!.predicted).toBeCloseTo(buckets.reduce((sum, b) => sum + b.customers * b.meanPredicted, 0), 6);
      const mape = (100 * tracking.reduce((sum, w) => sum + Math.abs(w.predicted - w.actual) / w.actual, 0)) / tracking.length;
      expect(response.body.mapePercent).toBeCloseTo(mape, 9);
    });

    it('ranks the three models by holdout MAPE, with their log-likelihoods and parameters', async () => {
      const response = await api.get(`/v1/analytics/models/compare?${SPLIT}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ calibrationEnd: AS_OF, holdoutEnd: HOLDOUT_END, timeUnit: 'week', holdoutWeeks: 39, customers: 2357 });
      const models = response.body.models as { rank: number; model: string; converged: boolean; params: object; logLikelihood: number; mapePercent: number }[];
      expect(models.map((m) => m.rank)).toEqual([1, 2, 3]);
      expect(models.map((m) => m.model).sort()).toEqual([...PURCHASE_MODELS].sort());
      const mapes = models.map((m) => m.mapePercent);
      expect(mapes).toEqual([...mapes].sort((p, q) => p - q));
      for (const m of models) {
        const fit = (await api.get(`/v1/analytics/models/${m.model}?asOf=${AS_OF}`)).body;
        const validation = (await api.get(`/v1/analytics/models/${m.model}/validation?${SPLIT}`)).body;
        expect(m).toEqual({ rank: m.rank, model: m.model, converged: true, params: fit.params, logLikelihood: fit.logLikelihood, mapePercent: validation.mapePercent });
      }
      process.stdout.write(`CDNOW ranking: ${models.map((m) => `${m.rank}. ${m.model} MAPE ${m.mapePercent.toFixed(2)} % LL ${m.logLikelihood.toFixed(2)}`).join('; ')}\n`);
    });

    it('refuses a bad split or model with problem+json', async () => {
      const cases: [string, number, string][] = [
        [`/v1/analytics/models/pareto-nbd/validation?calibrationEnd=${AS_OF}`, 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/compare?holdoutEnd=${HOLDOUT_END}`, 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/compare?calibrationEnd=yesterday&holdoutEnd=${HOLDOUT_END}`, 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/bgnbd/validation?calibrationEnd=${HOLDOUT_END}&holdoutEnd=${AS_OF}`, 400, 'VALIDATION_FAILED'],
        ['/v1/analytics/models/bgnbd/validation?calibrationEnd=1997-09-30T01:00:00Z&holdoutEnd=1997-09-30T23:00:00Z', 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/compare?calibrationEnd=${AS_OF}&holdoutEnd=2030-01-01T00:00:00Z`, 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/compare?${SPLIT}&asOf=${AS_OF}`, 400, 'VALIDATION_FAILED'],
        [`/v1/analytics/models/gamma-gamma/validation?${SPLIT}`, 404, 'UNKNOWN_MODEL'],
        // No purchase by the calibration end: nothing to fit.
        ['/v1/analytics/models/mbg-nbd/validation?calibrationEnd=1990-01-01T00:00:00Z&holdoutEnd=1990-06-01T00:00:00Z', 422, 'MODEL_NOT_FITTED'],
      ];
      for (const [url, status, code] of cases) {
        const response = await api.get(url);
        expect({ url, status: response.status, type: response.headers.get('content-type'), code: response.body.code }).toEqual({
          url,
          status,
          type: expect.stringMatching(/^application\/problem\+json/),
          code,
        });
      }
    });

    it('lists a model it cannot fit unranked with its reason', async () => {
      const response = await api.get('/v1/analytics/models/compare?calibrationEnd=1990-01-01T00:00:00Z&holdoutEnd=1990-06-01T00:00:00Z');
      expect(response.status).toBe(200);
      expect(response.body.customers).toBe(0);
      expect(response.body.models).toEqual(PURCHASE_MODELS.map((model) => ({ rank: null, model, converged: false, reason: 'no customers to fit' })));
    });
  });
});

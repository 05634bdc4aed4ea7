// `rapport analytics` on the CDNOW sample in a temp data dir: the import leaves
// the read models behind the log, the command catches them up and reproduces
// the published BG/NBD and Gamma-Gamma figures; bad options are exit code 2.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RFM_SEGMENTS } from '@rapport/analytics';
import { AnalyticsService, CustomerReadModels, READ_MODELS_CHECKPOINT } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import type { EventStore } from '@rapport/event-store';
import { openEmbeddedStores } from '@rapport/wiring';
import { modelsView, rankingView, rfmView } from './analytics-report.assembler';
import { formatModels, formatRfm } from './analytics-report.formatter';
import { ensureReadModels } from './analytics.command';
import { cli } from './testing/run-cli';
import { importCdnow } from './import-cdnow.command';
import { importJsonl } from './import-jsonl.command';
import { fileLineSource, stringLineSource } from './line-source';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = path.resolve(ROOT, '../shared/data/cdnow/CDNOW_sample.txt');
const AS_OF = '1997-09-30T23:59:59Z';

/** ../shared/data/cdnow/README.md */
const REFERENCE = {
  bgnbd: { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, logLikelihood: -9582.43, customers: 2357 },
  // v in cents: 15.4435 dollars.
  gammaGamma: { p: 6.2496, q: 3.7442, v: 1544.35, customers: 946 },
};

function expectWithin1Percent(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(0.01);
}


describe('rapport analytics on the CDNOW sample', () => {
  let dataDir: string;
  let eventStore: EventStore;
  let documentStore: DocumentStore;
  let readStore: CustomerReadModels;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-analytics-'));
    ({ eventStore, documentStore } = openEmbeddedStores({ dataDir }));
    readStore = new CustomerReadModels(documentStore);
    const summary = await importCdnow(await fileLineSource(SAMPLE), { eventStore });
    expect(summary).toMatchObject({ ok: true, recorded: 6919, customers: 2357 });
  });

  afterAll(async () => {
    await eventStore?.close();
    await readStore?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('catches the read models up after the import (which only appends to the log), and says so', async () => {
    expect(await documentStore.getCheckpoint(READ_MODELS_CHECKPOINT)).toBe(-1);
    const first = await cli('analytics', 'models', '--as-of', AS_OF, '--data-dir', dataDir);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^read models were behind the log \(position -1 of 6919\): caught up 6,919 events in .+ first\n$/);
    for (const figure of ['0.2426', '4.4136', '0.7929', '2.4259', '-9,582.43', '2,357', '6.2496', '3.7442', '1,544.35 cents', '15.4435 USD', '946']) {
      expect(first.stdout).toContain(figure);
    }
    expect(await documentStore.getCheckpoint(READ_MODELS_CHECKPOINT)).toBe(await eventStore.headPosition());

    const again = await cli('analytics', 'models', '--as-of', AS_OF, '--data-dir', dataDir, '--json');
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ view: 'models', asOf: AS_OF, currency: 'USD', bgnbd: { customers: 2357, converged: true } });
    expect(await ensureReadModels(eventStore, documentStore)).toEqual({ position: await eventStore.headPosition() });
  });

  it('models: reproduces the published BG/NBD and Gamma-Gamma fits within 1 %', async () => {
    const report = await modelsView(new AnalyticsService(readStore), { asOf: AS_OF, currency: 'USD' });
    const { bgnbd, gammaGamma } = report;
    if (!bgnbd.converged || !gammaGamma.converged) throw new Error('a CDNOW fit did not converge');
    process.stdout.write(`analytics models: BG/NBD ${bgnbd.durationMs} ms, Gamma-Gamma ${gammaGamma.durationMs} ms\n`);
    expect(bgnbd.customers).toBe(REFERENCE.bgnbd.customers);
    expectWithin1Percent(bgnbd.params.r, REFERENCE.bgnbd.r);
    expectWithin1Percent(bgnbd.params.alpha, REFERENCE.bgnbd.alpha);
    expectWithin1Percent(bgnbd.params.a, REFERENCE.bgnbd.a);
    expectWithin1Percent(bgnbd.params.b, REFERENCE.bgnbd.b);
    expectWithin1Percent(bgnbd.logLikelihood, REFERENCE.bgnbd.logLikelihood);
    expect(gammaGamma.customers).toBe(REFERENCE.gammaGamma.customers);
    expectWithin1Percent(gammaGamma.params.p, REFERENCE.gammaGamma.p);
    expectWithin1Percent(gammaGamma.params.q, REFERENCE.gammaGamma.q);
    expectWithin1Percent(gammaGamma.params.v, REFERENCE.gammaGamma.v);
    expect(gammaGamma.minorUnitDigits).toBe(2);

    const text = formatModels(report).join('\n');
    expect(text).toMatch(/│ r +│ +0\.2426 │/);
    expect(text).toMatch(/│ v +│ +1,544\.35 cents │ scale; = 15\.4435 USD/);
  });

  it('models: Pareto/NBD and MBG/NBD beside BG/NBD, within 1 % of the README', async () => {
    const report = await modelsView(new AnalyticsService(readStore), { asOf: AS_OF, currency: 'USD' });
    const { paretoNbd, mbgNbd } = report;
    if (!paretoNbd.converged || !mbgNbd.converged) throw new Error('a CDNOW fit did not converge');
    for (const [k, v] of Object.entries({ r: 0.5533, alpha: 10.5777, s: 0.6062, beta: 11.6687 })) expectWithin1Percent(paretoNbd.params[k as 'r'], v);
    for (const [k, v] of Object.entries({ r: 0.5248, alpha: 6.1831, a: 0.8914, b: 1.614 })) expectWithin1Percent(mbgNbd.params[k as 'r'], v);
    expect(Math.abs(paretoNbd.logLikelihood - -9594.98)).toBeLessThan(1);
    expect(Math.abs(mbgNbd.logLikelihood - -9582.14)).toBeLessThan(1);
    expect(report).not.toHaveProperty('validation');
    const text = formatModels(report).join('\n');
    expect(text).toMatch(/│ s +│ +0\.6062 │/);
    expect(text).toMatch(/│ β \(beta\) +│ +11\.6687 │/);
  });

  it('models --validate: the holdout per calibration frequency and the ranking by MAPE, as the API answers them', async () => {
    const printed = await cli('analytics', 'models', '--as-of', AS_OF, '--validate', '--holdout-end', '1998-06-30T23:59:59Z', '--data-dir', dataDir);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('39 weeks, 2,357 customers');
    expect(printed.stdout).toMatch(/│ x +│ customers │ actual │ BG\/NBD │ Pareto\/NBD │ MBG\/NBD │/);
    expect(printed.stdout).toMatch(/│ 7\+ +│ +64 │/);
    expect(printed.stdout).toMatch(/│ +1 │ [A-Za-z/]+ +│ +\d+\.\d\d % │/);

    const json = JSON.parse((await cli('analytics', 'models', '--as-of', AS_OF, '--validate', '--holdout-end', '1998-06-30T23:59:59Z', '--data-dir', dataDir, '--json')).stdout);
    const service = new AnalyticsService(readStore);
    const comparison = await service.compareModels(AS_OF, '1998-06-30T23:59:59Z');
    expect(json.validation.comparison).toEqual(JSON.parse(JSON.stringify({ calibrationEnd: AS_OF, holdoutEnd: '1998-06-30T23:59:59Z', timeUnit: 'week', ...comparison })));
    for (const model of ['bgnbd', 'pareto-nbd', 'mbg-nbd'] as const) {
      const { validation } = await service.holdoutValidation(model, AS_OF, '1998-06-30T23:59:59Z');
      expect(json.validation.models[model]).toMatchObject({ model, buckets: validation.buckets, mapePercent: validation.mapePercent });
      expect(json.validation.models[model].tracking).toHaveLength(39);
    }

    const bad = await cli('analytics', 'models', '--as-of', AS_OF, '--holdout-end', '1998-06-30T23:59:59Z', '--data-dir', dataDir);
    expect(bad).toMatchObject({ code: 2, stderr: 'rapport: --holdout-end goes with --validate\n' });
  });

  it('rfm: counts 2,357 customers across all 11 segments', async () => {
    const report = await rfmView(new AnalyticsService(readStore), { asOf: AS_OF, currency: 'USD' });
    expect(report.customers).toBe(2357);
    expect(Object.keys(report.segments)).toEqual([...RFM_SEGMENTS]);
    expect(RFM_SEGMENTS).toHaveLength(11);
    expect(Object.values(report.segments).reduce((a, b) => a + b, 0)).toBe(2357);

    const lines = formatRfm(report).join('\n').split('\n');
    for (const segment of RFM_SEGMENTS) expect(lines.some((l) => l.startsWith(`│ ${segment} `))).toBe(true);
    expect(lines.find((l) => l.startsWith('│ total '))).toMatch(/│ +2,357 │ 100\.0 % │/);

    const printed = await cli('analytics', 'rfm', '--as-of', AS_OF, '--data-dir', dataDir, '--json');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual({ view: 'rfm', asOf: AS_OF, currency: 'USD', customers: 2357, segments: report.segments });
  });

  it('at-risk and value: the top N, ranked', async () => {
    const analytics = new AnalyticsService(readStore);
    const atRisk = await rankingView(analytics, 'at-risk', { asOf: AS_OF, currency: 'USD', limit: 5, horizonWeeks: 39 });
    expect(atRisk.items).toHaveLength(5);
    const risks = atRisk.items.map((c) => c.valueAtRisk);
    expect([...risks].sort((a, b) => b - a)).toEqual(risks);
    for (const c of atRisk.items) expect(c.valueAtRisk).toBeCloseTo(c.pastValue * (1 - c.pAlive), 6);
    // Each printed customer carries the predictions route's 90 % intervals, around its point values.
    for (const c of atRisk.items) {
      expect(c.intervals!.pAlive.low).toBeLessThanOrEqual(c.pAlive);
      expect(c.pAlive).toBeLessThanOrEqual(c.intervals!.pAlive.high);
      if (c.clv !== null) {
        expect(c.intervals!.clv!.low).toBeLessThanOrEqual(c.clv);
        expect(c.clv).toBeLessThanOrEqual(c.intervals!.clv!.high);
      }
    }

    const value = await cli('analytics', 'value', '--as-of', AS_OF, '--limit', '3', '--horizon-weeks', '39', '--data-dir', dataDir);
    expect(value.code).toBe(0);
    expect(value.stdout).toContain('Top 3 customers by CLV over 39 weeks, as of 1997-09-30T23:59:59Z, USD');
    expect(value.stdout.split('\n').filter((l) => /^│ +\d+ │/.test(l))).toHaveLength(3);
    // P(alive) and CLV each followed by their 90 % interval, low–high.
    for (const line of value.stdout.split('\n').filter((l) => /^│ +\d+ │/.test(l))) expect(line).toMatch(/│ +0\.\d{3} │ +0\.\d{3}–[01]\.\d{3} │/);
  });

  it('exits 2 with one line on a bad option, before touching the store', async () => {
    const badAsOf = await cli('analytics', 'models', '--as-of', '1997-09-31T00:00:00Z', '--data-dir', dataDir);
    expect(badAsOf).toEqual({
      code: 2,
      stdout: '',
      stderr: 'rapport: --as-of must be a real RFC 3339 instant: 1997-09-31 does not exist (got "1997-09-31T00:00:00Z")\n',
    });
    expect((await cli('analytics', 'rfm', '--as-of', '30/09/1997', '--data-dir', dataDir)).code).toBe(2);
    expect((await cli('analytics', 'at-risk', '--limit', '0', '--data-dir', dataDir)).stderr).toBe('rapport: --limit must be an integer from 1 to 1000, got "0"\n');
    expect((await cli('analytics', 'value', '--horizon-weeks', 'ten', '--data-dir', dataDir)).code).toBe(2);
    expect((await cli('analytics', 'rfm', '--currency', 'dollars', '--data-dir', dataDir)).code).toBe(2);
    expect((await cli('analytics', 'revenue', '--interval', 'year', '--data-dir', dataDir)).code).toBe(2);
    expect((await cli('analytics', 'churn', '--data-dir', dataDir)).code).toBe(2);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-analytics-empty-'));
    try {
      expect((await cli('analytics', 'models', '--data-dir', empty)).stderr).toMatch(/^rapport: no event log at /);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('rapport analytics when a model cannot be fitted', () => {
  it('says why and exits 1, with no made-up numbers', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-analytics-one-'));
    const { eventStore } = openEmbeddedStores({ dataDir });
    try {
      // Everybody bought once: BG/NBD has no interior maximum.
      const lines = ['a', 'b', 'c'].map((id, i) =>
        JSON.stringify({ customerId: id, type: 'purchased', occurredAt: `2024-01-0${i + 1}T09:00:00Z`, data: { orderId: `o-${id}`, amount: 1000, currency: 'USD' } }),
      );
      await importJsonl(stringLineSource('one.jsonl', lines.join('\n')), { eventStore });
    } finally {
      await eventStore.close();
    }
    try {
      const models = await cli('analytics', 'models', '--as-of', '2024-06-01T00:00:00Z', '--data-dir', dataDir);
      expect(models.code).toBe(1);
      expect(models.stdout).toMatch(/│ converged +│ +NO │ /);
      const atRisk = await cli('analytics', 'at-risk', '--as-of', '2024-06-01T00:00:00Z', '--data-dir', dataDir);
      expect(atRisk.code).toBe(1);
      expect(atRisk.stdout).toBe('');
      expect(atRisk.stderr).toMatch(/^rapport: bgnbd could not be fitted: .+\n$/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('rapport analytics revenue on purchases a century apart', () => {
  it('refuses an answer over the cap with exit code 2 and one line asking for --from/--to, and answers the narrower window', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-analytics-far-'));
    const { eventStore } = openEmbeddedStores({ dataDir });
    try {
      const lines = [
        ['old', '1901-03-15T10:00:00Z'],
        ['new', '2025-06-01T10:00:00Z'],
      ].map(([id, at]) => JSON.stringify({ customerId: id, type: 'purchased', occurredAt: at, data: { orderId: `o-${id}`, amount: 1000, currency: 'USD' } }));
      await importJsonl(stringLineSource('far.jsonl', lines.join('\n')), { eventStore });
    } finally {
      await eventStore.close();
    }
    try {
      const refused = await cli('analytics', 'revenue', '--interval', 'day', '--as-of', '2025-12-31T23:59:59Z', '--data-dir', dataDir);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/rapport: revenue by day from 1901-03-15 to 2025-06-01 spans 45,370 days; at most 3,660 per answer: narrow --from\/--to\n$/);
      const narrowed = await cli('analytics', 'revenue', '--interval', 'day', '--from', '2025-05-31T00:00:00Z', '--to', '2025-06-02T23:59:59Z', '--data-dir', dataDir, '--json');
      expect(narrowed.code).toBe(0);
      expect(JSON.parse(narrowed.stdout)).toMatchObject({ view: 'revenue', interval: 'day', from: '2025-05-31T00:00:00Z', to: '2025-06-02T23:59:59Z' });
      expect(JSON.parse(narrowed.stdout).periods.map((p: { period: string; revenue: number }) => [p.period, p.revenue])).toEqual([
        ['2025-05-31', 0],
        ['2025-06-01', 1000],
        ['2025-06-02', 0],
      ]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The workspace's aggregates over HTTP on CDNOW (2,357 customers): the RFM
// grid agrees with the RFM segments and customers, a cell lists exactly its
// customers, the CLV histogram and P(alive) by value count every customer
// once and agree with the rankings; bad input is a 400.
import { ApiTestClient } from '../testing/api-test-client';
import { CDNOW_CUSTOMERS, importCdnow } from '../testing/cdnow-import';

jest.setTimeout(120_000);

const AS_OF = '1997-09-30T23:59:59Z';
const scope = `asOf=${AS_OF}&currency=USD`;

describe('workspace aggregates on CDNOW over HTTP', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    await importCdnow(api);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('answers the RFM grid: 25 cells whose counts add up to the segments, and whose spend adds up to every customer’s', async () => {
    const [grid, rfm] = await Promise.all([api.get(`/v1/analytics/rfm/grid?${scope}`), api.get(`/v1/analytics/rfm?${scope}`)]);
    expect(grid.status).toBe(200);
    expect(grid.body).toMatchObject({ asOf: AS_OF, currency: 'USD', customers: CDNOW_CUSTOMERS });
    expect(grid.body.cells).toHaveLength(25);
    const bySegment: Record<string, number> = {};
    for (const cell of grid.body.cells) bySegment[cell.segment] = (bySegment[cell.segment] ?? 0) + cell.customers;
    expect(bySegment).toEqual(rfm.body.segments);

    // Every customer's M, paged through the existing route, sums to the grid's value.
    let total = 0;
    for (let cursor: string | null = null; ; ) {
      const page: any = await api.get(`/v1/analytics/rfm/customers?${scope}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      total += page.body.items.reduce((sum: number, row: { monetary: number }) => sum + row.monetary, 0);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(grid.body.value).toBe(total);
  });

  it('lists a cell’s customers, highest spend first, page by page, exactly as many as the cell counts', async () => {
    const grid = (await api.get(`/v1/analytics/rfm/grid?${scope}`)).body;
    const cell = grid.cells.find((c: { customers: number }) => c.customers > 30 && c.customers < 400);
    const seen: { customerId: string; monetary: number; r: number; fm: number }[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: any = await api.get(`/v1/analytics/rfm/grid/customers?${scope}&r=${cell.r}&fm=${cell.fm}&limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ r: cell.r, fm: cell.fm });
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(cell.customers);
    expect(new Set(seen.map((c) => c.customerId)).size).toBe(cell.customers);
    expect(seen.every((c) => c.r === cell.r && c.fm === cell.fm)).toBe(true);
    const spends = seen.map((c) => c.monetary);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
    expect(seen.reduce((sum, c) => sum + c.monetary, 0)).toBe(cell.value);
  });

  it('bins every customer’s CLV once, and the bins agree with the value ranking', async () => {
    const histogram = await api.get(`/v1/analytics/clv/histogram?${scope}&bins=12`);
    expect(histogram.status).toBe(200);
    expect(histogram.body).toMatchObject({ asOf: AS_OF, currency: 'USD', horizonWeeks: 52 });
    expect(histogram.body.bins).toHaveLength(12);
    expect(histogram.body.customers + histogram.body.withoutClv).toBe(CDNOW_CUSTOMERS);
    expect(histogram.body.bins.reduce((n: number, b: { customers: number }) => n + b.customers, 0)).toBe(histogram.body.customers);
    // The most valuable customer (GET /value) is in the open last bin or the bin its CLV falls in.
    const top = (await api.get(`/v1/analytics/value?${scope}&limit=1`)).body.items[0];
    const last = histogram.body.bins[histogram.body.bins.length - 1];
    expect(top.clv).toBeGreaterThanOrEqual(last.lower);
    expect(last.upper).toBeNull();
  });

  it('counts every customer once in P(alive) against past value, and the value at risk adds up', async () => {
    const grid = await api.get(`/v1/analytics/p-alive/by-value?${scope}`);
    expect(grid.status).toBe(200);
    expect(grid.body.pAliveBands).toHaveLength(10);
    expect(grid.body.valueBands.length).toBeGreaterThan(1);
    expect(grid.body.cells).toHaveLength(grid.body.pAliveBands.length * grid.body.valueBands.length);
    expect(grid.body.cells.reduce((n: number, c: { customers: number }) => n + c.customers, 0)).toBe(CDNOW_CUSTOMERS);
    const ranked = (await api.get(`/v1/analytics/at-risk?${scope}&limit=1000`)).body.items as { valueAtRisk: number }[];
    const gridTop = grid.body.cells.reduce((sum: number, c: { valueAtRisk: number }) => sum + c.valueAtRisk, 0);
    expect(gridTop).toBeGreaterThanOrEqual(ranked.reduce((sum, c) => sum + c.valueAtRisk, 0) - 1e-6);
  });

  it('refuses bad input with problem+json 400s', async () => {
    for (const url of [
      '/v1/analytics/rfm/grid?currency=usd',
      '/v1/analytics/rfm/grid/customers?r=5',
      '/v1/analytics/rfm/grid/customers?r=6&fm=1',
      '/v1/analytics/rfm/grid/customers?r=1&fm=1&limit=0',
      '/v1/analytics/clv/histogram?bins=1',
      '/v1/analytics/clv/histogram?bins=1e1',
      '/v1/analytics/p-alive/by-value?valueBands=11',
      '/v1/analytics/p-alive/by-value?asOf=yesterday',
    ]) {
      const response = await api.get(url);
      expect({ url, status: response.status, code: response.body.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
    }
    const cursor = await api.get('/v1/analytics/rfm/grid/customers?r=1&fm=1&cursor=bm90LWEtY3Vyc29y');
    expect([cursor.status, cursor.body.code]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await api.get('/openapi.json')).body;
    for (const route of ['/v1/analytics/rfm/grid', '/v1/analytics/rfm/grid/customers', '/v1/analytics/clv/histogram', '/v1/analytics/p-alive/by-value', '/v1/session']) {
      expect([route, doc.paths[route]?.get?.summary]).toEqual([route, expect.any(String)]);
    }
    const parameters = doc.paths['/v1/analytics/rfm/grid/customers'].get.parameters.map((p: { name: string; required: boolean }) => `${p.name}${p.required ? '!' : ''}`);
    expect(parameters).toEqual(expect.arrayContaining(['r!', 'fm!', 'asOf', 'currency', 'limit', 'cursor']));
  });
});

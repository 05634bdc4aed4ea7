// The OpenAPI document as a whole, and the page that shows it. Each e2e
// suite checks the responses it receives against the document
// (testing/openapi-contract.ts); this one checks that the document leaves
// nothing out for that check to miss: every operation documents its success
// body and its problems (application/problem+json, the codes as an enum), every
// code is one the docs explain, and a route lists only parameters it reads.
// And Swagger UI at /docs, /docs/ and /docs/index.html loads every asset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenApiContract } from './testing/openapi-contract';
import { ApiTestClient } from './testing/api-test-client';

type Schema = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const DOCS = path.resolve(__dirname, '../../../docs');

describe('the OpenAPI document', () => {
  let api: ApiTestClient;
  let doc: Schema;
  let operations: { where: string; operation: Schema }[];

  beforeAll(async () => {
    api = await ApiTestClient.start();
    doc = (await api.get('/openapi.json')).body;
    operations = Object.entries<Schema>(doc.paths).flatMap(([template, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ where: `${m.toUpperCase()} ${template}`, operation: item[m] as Schema })),
    );
  });
  afterAll(async () => {
    await api.stop();
  });

  const problemCodes = (response: Schema): string[] => response.content?.['application/problem+json']?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];

  it('documents a success body for every operation', () => {
    const missing = operations.filter(({ operation }) => {
      const success = Object.entries<Schema>(operation.responses).filter(([status]) => status.startsWith('2'));
      return success.length === 0 || success.some(([, response]) => Object.keys(response.content ?? {}).length === 0);
    });
    expect(missing.map((o) => o.where)).toEqual([]);
  });

  it('documents every error as application/problem+json with the codes it can carry', () => {
    const bad: string[] = [];
    for (const { where, operation } of operations) {
      for (const [status, response] of Object.entries<Schema>(operation.responses)) {
        if (Number(status) < 400 || where === 'GET /health/ready') continue;
        if (problemCodes(response).length === 0) bad.push(`${where} ${status}`);
        expect(response.content['application/problem+json'].schema.allOf[0].$ref).toBe('#/components/schemas/ProblemDetailsDto');
      }
    }
    expect(bad).toEqual([]);
  });

  it('names only codes the docs explain', () => {
    const docs = ['api.md', 'security.md'].map((file) => fs.readFileSync(path.join(DOCS, file), 'utf8')).join('\n');
    const codes = new Set(operations.flatMap(({ operation }) => Object.values<Schema>(operation.responses).flatMap(problemCodes)));
    expect([...codes].filter((code) => !new RegExp(`\\b${code}\\b`).test(docs))).toEqual([]);
  });

  it('says which problems the routes answer, per the docs', () => {
    const codes = (where: string, status: number) => problemCodes(operations.find((o) => o.where === where)!.operation.responses[status] ?? {});
    expect(codes('GET /v1/customers/{customerId}', 404)).toEqual(['CUSTOMER_NOT_FOUND']);
    for (const route of ['history', 'state', 'verify']) expect(codes(`GET /v1/audit/customers/{customerId}/${route}`, 404)).toEqual(['CUSTOMER_NOT_FOUND']);
    expect(codes('DELETE /v1/customers/{customerId}/personal-data', 404)).toEqual(['CUSTOMER_NOT_FOUND']);
    expect(codes('GET /v1/audit/customers/{customerId}/state', 400)).toContain('REVISION_OUT_OF_RANGE');
    for (const model of ['bgnbd', 'gamma-gamma', 'pareto-nbd', 'mbg-nbd']) expect(codes(`GET /v1/analytics/models/${model}`, 422)).toEqual(['MODEL_NOT_FITTED']);
    const analytics = operations.filter((o) => o.where.startsWith('GET /v1/analytics/'));
    for (const { operation } of analytics) {
      expect(problemCodes(operation.responses[400])).toContain('VALIDATION_FAILED');
      expect(problemCodes(operation.responses[503])).toContain('DEPENDENCY_UNAVAILABLE');
    }
    expect(codes('GET /v1/customers', 503)).toEqual(expect.arrayContaining(['CONSISTENCY_TIMEOUT', 'DEPENDENCY_UNAVAILABLE']));
    expect(codes('POST /v1/customers/{customerId}/events', 415)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    expect(codes('GET /v1/customers', 429)).toEqual(['RATE_LIMITED']);
  });

  it('lists only the parameters a route reads', () => {
    const parameters = (where: string) => operations.find((o) => o.where === where)!.operation.parameters.map((p: Schema) => p.name);
    expect(parameters('GET /v1/analytics/customers/{customerId}/predictions')).toEqual(['customerId', 'asOf', 'currency', 'horizonWeeks', 'model']);
    expect(parameters('GET /v1/analytics/clv/histogram')).not.toContain('limit');
    expect(parameters('GET /v1/analytics/offer-response')).not.toContain('currency');
    expect(parameters('GET /v1/analytics/at-risk')).toContain('limit');
  });

  it('is what the e2e suites check responses against, and that check finds what the document does not say', async () => {
    const contract = new OpenApiContract(doc);
    const written = await api.event('contract-1', 'identified', { name: 'Ada' });
    const observed = { method: 'POST', url: '/v1/customers/contract-1/events', status: 201, contentType: 'application/json', body: written.body };
    expect(contract.violations(observed)).toEqual([]);
    expect(contract.violations({ ...observed, body: { ...written.body, bonus: 1 } })).toEqual(['(the body) must NOT have additional properties (bonus)']);
    expect(contract.violations({ ...observed, body: { ...written.body, revision: '0' } })).toEqual(['/revision must be integer']);
    expect(contract.violations({ ...observed, status: 202 })[0]).toMatch(/documents no 202 response/);
    expect(contract.violations({ ...observed, contentType: 'text/plain', body: 'x' })[0]).toMatch(/answered text\/plain/);
    expect(contract.violations({ ...observed, url: '/v1/customer/contract-1/events' })[0]).toMatch(/not a path of the document/);
    const problem = { type: 'https://rapport.dev/problems/stream-not-found', title: 'Stream not found', status: 404, detail: '…', code: 'STREAM_NOT_FOUND', errors: [] };
    expect(contract.violations({ method: 'GET', url: '/v1/audit/customers/x/verify', status: 404, contentType: 'application/problem+json', body: problem })).toEqual([
      '/code must be equal to one of the allowed values (["CUSTOMER_NOT_FOUND"])',
    ]);
    // The router's own 404 for a path no route serves is a problem too.
    expect(contract.violations({ method: 'GET', url: '/v2/nothing', status: 404, contentType: 'application/problem+json', body: { ...problem, code: 'NOT_FOUND' } })).toEqual([]);
  });
});

describe('Swagger UI at /docs', () => {
  let api: ApiTestClient;
  beforeAll(async () => {
    api = await ApiTestClient.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  it.each(['/docs', '/docs/', '/docs/index.html', '/docs/?deepLinking=true'])('%s shows the page titled Rapport API, and every asset it names loads', async (url) => {
    // As a browser does: follow a redirect, then resolve each asset against the URL it ended at.
    let at = new URL(url, api.baseUrl);
    let page = await fetch(at, { redirect: 'manual' });
    if (page.status === 301) {
      await page.arrayBuffer();
      expect(page.headers.get('location')).toBe(`/docs${at.search}`);
      at = new URL(page.headers.get('location')!, at);
      page = await fetch(at, { redirect: 'manual' });
    }
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Rapport API</title>');
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1]!, at));
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const response = await fetch(asset);
      await response.arrayBuffer();
      expect([asset.pathname, response.status]).toEqual([asset.pathname, 200]);
    }
  });
});

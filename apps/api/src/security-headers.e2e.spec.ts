// Security headers (@fastify/helmet) on every response, errors included, with
// a CSP that lets Swagger UI at /docs work; CORS off unless
// RAPPORT_CORS_ORIGINS lists origins, and then only for those.
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

function expectSecurityHeaders(response: TestResponse): void {
  const h = response.headers;
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('strict-transport-security')).toBe('max-age=31536000');
  expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(h.get('x-powered-by')).toBeNull();
}

describe('security headers', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('sends a lock-down CSP and the helmet headers on JSON responses', async () => {
    for (const url of ['/v1/customers', '/health/live', '/openapi.json']) {
      const response = await api.get(url);
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
      expect(response.headers.get('content-security-policy')).toBe(API_CSP);
    }
  });

  it('sends them on problems too: 400, 404, 413, 415', async () => {
    const responses = [
      await api.post('/v1/customers/h-1/events', { type: 'nope' }),
      await api.get('/v1/nothing-here'),
      await api.event('h-1', 'identified', { name: 'x'.repeat(4096) }),
      await api.post('/v1/customers/h-1/events', 'type=identified', { 'content-type': 'text/plain' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([400, 404, 413, 415]);
    for (const response of responses) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expectSecurityHeaders(response);
      expect(response.headers.get('content-security-policy')).toBe(API_CSP);
    }
  });

  it('keeps Swagger UI working: a CSP that allows its own scripts, styles and data: icons, and every script it loads is served', async () => {
    const page = await api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expectSecurityHeaders(page);
    const csp = page.headers.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').find((d) => d.startsWith(`${name} `))?.split(' ').slice(1) ?? [];
    expect(directive('script-src')).toEqual(["'self'"]);
    expect(directive('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directive('img-src')).toEqual(["'self'", 'data:']);
    expect(directive('connect-src')).toEqual(["'self'"]);
    expect(directive('frame-ancestors')).toEqual(["'none'"]);

    // script-src 'self' has no 'unsafe-inline': the page must have no inline script, only same-origin files
    // that exist, resolved against the page URL as a browser does.
    const html = String(page.body);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(content!.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes!)?.[1];
      expect(src).toBeDefined();
      expect(src).not.toMatch(/^(?:[a-z]+:)?\/\//i);
      const asset = await api.get(new URL(src!, `${api.baseUrl}/docs`).pathname);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
    }
    const stylesheet = /<link rel="stylesheet" type="text\/css" href="([^"]+)"/.exec(html)?.[1];
    expect((await api.get(new URL(stylesheet!, `${api.baseUrl}/docs`).pathname)).status).toBe(200);
  });

  it('sends no CORS headers when RAPPORT_CORS_ORIGINS is not set, and answers no preflight', async () => {
    const response = await api.get('/v1/customers', { origin: 'https://crm.example.com' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.request('OPTIONS', '/v1/events', undefined, { origin: 'https://crm.example.com', 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('CORS with RAPPORT_CORS_ORIGINS', () => {
  const ALLOWED = ['https://crm.example.com', 'http://localhost:5173'];
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_CORS_ORIGINS: ALLOWED.join(',') });
  });
  afterAll(async () => {
    await api.stop();
  });

  it.each(ALLOWED)('allows the listed origin %s, on reads, writes and problems', async (origin) => {
    const read = await api.get('/v1/customers', { origin });
    expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    expect(read.headers.get('vary')).toMatch(/Origin/i);
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    expect(read.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    const write = await api.event('cors-1', 'identified', {}, {}, { origin });
    expect(write.status).toBe(201);
    expect(write.headers.get('access-control-allow-origin')).toBe(origin);
    const problem = await api.get('/v1/customers?limit=0', { origin });
    expect(problem.status).toBe(400);
    expect(problem.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('answers a preflight from a listed origin with the methods and headers the API takes', async () => {
    const preflight = await api.request('OPTIONS', '/v1/customers/cors-1/events', undefined, {
      origin: ALLOWED[0]!,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-api-key,if-match',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED[0]);
    const methods = (preflight.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
    const headers = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(headers).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-api-key', 'if-match']));
    expect(preflight.headers.get('access-control-max-age')).toBe('600');
  });

  it.each(['https://evil.example.com', 'https://crm.example.com.evil.example', 'http://crm.example.com', 'null'])('does not allow the unlisted origin %s', async (origin) => {
    const read = await api.get('/v1/customers', { origin });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.request('OPTIONS', '/v1/events', undefined, { origin, 'access-control-request-method': 'POST' });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

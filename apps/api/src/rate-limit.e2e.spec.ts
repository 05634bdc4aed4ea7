// Rate limiting (issue 6, Limits): one budget per credential across every
// route, per client IP when the server trusts every caller; 429
// problem+json RATE_LIMITED with Retry-After; health never limited;
// authentication decides first.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from './auth/api-keys';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

const PROBLEM = 'application/problem+json';

function expectRateLimited(response: { status: number; headers: Headers | Record<string, unknown>; body: any }, windowSeconds: number): void {
  expect(response.status).toBe(429);
  const header = (name: string) => (response.headers instanceof Headers ? response.headers.get(name) : (response.headers[name] as string | undefined));
  expect(header('content-type')).toContain(PROBLEM);
  expect(response.body).toMatchObject({
    type: 'https://rapport.dev/problems/rate-limited',
    title: expect.any(String),
    status: 429,
    detail: expect.any(String),
    code: 'RATE_LIMITED',
    errors: [],
  });
  const retryAfter = Number(header('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('rate limit, unauthenticated mode (keyed by client IP)', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_RATE_LIMIT: '3', RAPPORT_RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(async () => {
    await api.stop();
  });

  /** A request from a chosen loopback address, through Fastify's injector (the socket would always be 127.0.0.1). */
  async function from(ip: string, method: 'GET' | 'POST', url: string, body?: unknown) {
    const response = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, remoteAddress: ip, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: response.statusCode, headers: response.headers as Record<string, unknown>, body: response.body ? response.json() : undefined };
  }

  it('shares one budget across routes, then refuses with 429 RATE_LIMITED and Retry-After, recording nothing', async () => {
    const ip = '127.0.0.2';
    const first = await from(ip, 'GET', '/v1/customers');
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    const write = await from(ip, 'POST', '/v1/customers/rl-a/events', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} });
    expect(write.status).toBe(201);
    expect(write.headers['x-ratelimit-remaining']).toBe('1');
    expect((await from(ip, 'GET', '/v1/audit/customers/rl-a/history')).status).toBe(200);

    const refused = await from(ip, 'POST', '/v1/customers/rl-b/events', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} });
    expectRateLimited(refused, 60);
    expectRateLimited(await from(ip, 'GET', '/v1/customers'), 60);

    // Another caller has its own budget, and sees that rl-b was never recorded.
    const other = await from('127.0.0.3', 'GET', '/v1/audit/customers/rl-b/history');
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('never limits the health routes', async () => {
    const ip = '127.0.0.4';
    for (let i = 0; i < 4; i++) await from(ip, 'GET', '/v1/customers');
    expect((await from(ip, 'GET', '/v1/customers')).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      const live = await from(ip, 'GET', '/health/live');
      expect(live.status).toBe(200);
      expect(live.headers['x-ratelimit-limit']).toBeUndefined();
      expect((await from(ip, 'GET', '/health/ready')).status).toBe(200);
    }
  });
});

describe('rate limit window', () => {
  it('serves the caller again once Retry-After has passed', async () => {
    const api = await ApiTestClient.start({ RAPPORT_RATE_LIMIT: '1', RAPPORT_RATE_LIMIT_WINDOW_SECONDS: '1' });
    try {
      // On a slow machine a window may pass between two requests: ask until refused.
      let refused: TestResponse | undefined;
      for (let i = 0; i < 50 && !refused; i++) {
        const response = await api.get('/v1/customers');
        if (response.status === 429) refused = response;
        else expect(response.status).toBe(200);
      }
      expect(refused).toBeDefined();
      expectRateLimited(refused!, 1);
      await new Promise((resolve) => setTimeout(resolve, Number(refused!.headers.get('retry-after')) * 1000 + 200));
      expect((await api.get('/v1/customers')).status).toBe(200);
    } finally {
      await api.stop();
    }
  });
});

describe('rate limit default without credentials', () => {
  it('is off: the server trusts every caller on loopback (SPEC section 8)', async () => {
    const api = await ApiTestClient.start();
    try {
      for (let i = 0; i < 10; i++) {
        const response = await api.get('/v1/customers');
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      }
    } finally {
      await api.stop();
    }
  });
});

describe('rate limit with credentials (keyed by the credential name)', () => {
  const KEYS = {
    ingest: { name: 'crm-sync', key: 'rk_ingest_rate_0123456789abcdef0123456789abcdef' },
    analyst: { name: 'bi-dashboard', key: 'rk_analyst_rate_0123456789abcdef0123456789abcd' },
  };
  let keysDir: string;
  let keysFile: string;

  beforeAll(() => {
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-rate-keys-'));
    keysFile = path.join(keysDir, 'api-keys.json');
    fs.writeFileSync(keysFile, JSON.stringify(Object.entries(KEYS).map(([role, k]) => ({ name: k.name, sha256: sha256Hex(k.key), roles: [role] }))));
  });
  afterAll(() => {
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('gives each credential its own budget, from the same address, after authentication', async () => {
    const api = await ApiTestClient.start({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: keysFile, RAPPORT_RATE_LIMIT: '3' });
    try {
      const ingest = api.as({ 'x-api-key': KEYS.ingest.key });
      const analyst = api.as({ 'x-api-key': KEYS.analyst.key });
      for (let i = 0; i < 3; i++) expect((await ingest.event('rl-key', 'contacted', { channel: 'email', direction: 'outbound' })).status).toBe(201);
      const refused = await ingest.event('rl-key', 'contacted', { channel: 'email', direction: 'outbound' });
      expectRateLimited(refused, 60);

      // Same client address, another credential: untouched budget.
      const read = await analyst.get('/v1/customers');
      expect(read.status).toBe(200);
      expect(read.headers.get('x-ratelimit-remaining')).toBe('2');

      // Authentication answers first: no credential or a bad one is 401, never 429, and costs nobody's budget.
      for (let i = 0; i < 5; i++) {
        expect((await api.get('/v1/customers')).status).toBe(401);
        expect((await api.get('/v1/customers', { 'x-api-key': 'rk_wrong' })).status).toBe(401);
      }
      expect((await analyst.get('/v1/customers')).headers.get('x-ratelimit-remaining')).toBe('1');
      // A wrong role is 403 before the limit too.
      expect((await ingest.get('/v1/customers')).status).toBe(403);
      expect((await api.get('/health/live')).status).toBe(200);
    } finally {
      await api.stop();
    }
  });

  it('applies the default limit where credentials are required', async () => {
    const api = await ApiTestClient.start({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: keysFile });
    try {
      const response = await api.get('/v1/customers', { 'x-api-key': KEYS.analyst.key });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('6000');
    } finally {
      await api.stop();
    }
  });
});

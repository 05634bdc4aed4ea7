// SPEC section 8 end to end: the real app with RAPPORT_AUTH=required, an
// API-key file and an RS256 key pair made here. Every route the server
// registers is enumerated from its own router and checked against the role
// table below, so a route added without a role (or without a row here) fails.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type KeyLike } from 'jose';
import { routesOf } from './app.factory';
import { sha256Hex } from './auth/api-keys';
import { ROLES, type Role } from './auth/roles';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

const ISSUER = 'https://id.rapport.test';
const AUDIENCE = 'rapport-api';
const CUSTOMER = 'auth-ada';

/** Who may call each route the server serves. `docs` routes are Swagger's, public by decision (docs/security.md). */
type Access = readonly Role[] | 'public' | 'authenticated' | 'docs';
const ACCESS: Record<string, Access> = {
  'POST /v1/customers/:customerId/events': ['ingest'],
  'POST /v1/events': ['ingest'],
  'DELETE /v1/customers/:customerId/personal-data': ['admin'],
  'GET /v1/customers': ['analyst'],
  'GET /v1/customers/:customerId': ['analyst'],
  'GET /v1/customers/:customerId/timeline': ['analyst'],
  'GET /v1/analytics/rfm': ['analyst'],
  'GET /v1/analytics/rfm/customers': ['analyst'],
  'GET /v1/analytics/models/bgnbd': ['analyst'],
  'GET /v1/analytics/models/gamma-gamma': ['analyst'],
  'GET /v1/analytics/models/pareto-nbd': ['analyst'],
  'GET /v1/analytics/models/mbg-nbd': ['analyst'],
  'GET /v1/analytics/models/compare': ['analyst'],
  'GET /v1/analytics/models/:model/validation': ['analyst'],
  'GET /v1/analytics/customers/:customerId/predictions': ['analyst'],
  'GET /v1/analytics/at-risk': ['analyst'],
  'GET /v1/analytics/value': ['analyst'],
  'GET /v1/analytics/offer-response': ['analyst'],
  'GET /v1/analytics/funnel': ['analyst'],
  'GET /v1/analytics/cohorts': ['analyst'],
  'GET /v1/analytics/complaints': ['analyst'],
  'GET /v1/analytics/win-back': ['analyst'],
  'GET /v1/analytics/revenue': ['analyst'],
  'GET /v1/analytics/currencies': ['analyst'],
  'GET /v1/analytics/rfm/grid': ['analyst'],
  'GET /v1/analytics/rfm/grid/customers': ['analyst'],
  'GET /v1/analytics/clv/histogram': ['analyst'],
  'GET /v1/analytics/p-alive/by-value': ['analyst'],
  'GET /v1/audit/customers/:customerId/history': ['auditor'],
  'GET /v1/audit/customers/:customerId/state': ['auditor'],
  'GET /v1/audit/customers/:customerId/verify': ['auditor'],
  'GET /v1/audit/export': ['auditor'],
  'GET /v1/playbooks/templates': ['analyst', 'ingest'],
  'GET /v1/playbooks': ['analyst', 'ingest'],
  'GET /v1/playbooks/:playbookId': ['analyst', 'ingest'],
  'PUT /v1/playbooks/:playbookId': ['admin'],
  'POST /v1/playbooks/:playbookId/pause': ['admin'],
  'POST /v1/playbooks/:playbookId/resume': ['admin'],
  'GET /v1/actions': ['analyst', 'ingest'],
  'GET /v1/playbooks/:playbookId/results': ['analyst', 'ingest'],
  'GET /v1/playbooks/:playbookId/enrollments': ['analyst', 'ingest'],
  'POST /v1/playbooks/simulate': ['analyst'],
  'POST /v1/actions/:actionId/ack': ['ingest'],
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'authenticated',
  // The workspace (SPEC section 11): the page loads before it can ask for a credential; its data comes from the routes above.
  'GET /': 'public',
  'GET /app': 'public',
  'GET /app/*': 'public',
  'GET /v1/session': 'public',
};

const isSwaggerRoute = (url: string) => url === '/openapi.json' || url === '/docs-yaml' || url === '/docs' || url.startsWith('/docs/');

/** One API key per role, one with no role (a metrics scraper), and the ingest key's actor name. */
const API_KEYS: Record<Role | 'none', { name: string; key: string }> = {
  ingest: { name: 'crm-sync', key: 'rk_ingest_4f1d0c2a9b8e7d6c5b4a39281706f5e4' },
  analyst: { name: 'bi-dashboard', key: 'rk_analyst_0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
  auditor: { name: 'external-auditor', key: 'rk_auditor_9f8e7d6c5b4a39281706f5e4d3c2b1a0' },
  admin: { name: 'ops-admin', key: 'rk_admin_13579bdf02468ace13579bdf02468ace' },
  none: { name: 'prometheus', key: 'rk_metrics_2468ace013579bdf2468ace013579bdf' },
};

describe('authentication and roles (RAPPORT_AUTH=required)', () => {
  let api: ApiTestClient;
  let keysDir: string;
  let signing: { publicKey: KeyLike; privateKey: KeyLike };
  let publicPem: string;
  let consistencyToken: string;
  /** An action the sla playbook requested: the first acknowledgement records, the rest are duplicates (200). */
  let actionId: string;

  const apiKey = (who: Role | 'none') => ({ 'x-api-key': API_KEYS[who].key });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** A token from the configured issuer, for this audience, valid for five minutes; `edit` spoils it. */
  function jwt(claims: Record<string, unknown>, edit: (t: SignJWT) => SignJWT = (t) => t, key: KeyLike | Uint8Array = signing.privateKey, alg = 'RS256') {
    const now = Math.floor(Date.now() / 1000);
    return edit(new SignJWT(claims).setProtectedHeader({ alg }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice@id.rapport.test').setIssuedAt(now).setExpirationTime(now + 300)).sign(key);
  }

  beforeAll(async () => {
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-auth-keys-'));
    const keysFile = path.join(keysDir, 'api-keys.json');
    fs.writeFileSync(
      keysFile,
      JSON.stringify(
        (Object.keys(API_KEYS) as (Role | 'none')[]).map((who) => ({ name: API_KEYS[who].name, sha256: sha256Hex(API_KEYS[who].key), roles: who === 'none' ? [] : [who] })),
      ),
    );
    signing = await generateKeyPair('RS256', { extractable: true });
    publicPem = await exportSPKI(signing.publicKey);
    api = await ApiTestClient.start({
      RAPPORT_AUTH: 'required',
      RAPPORT_API_KEYS: keysFile,
      RAPPORT_JWT_ISSUER: ISSUER,
      RAPPORT_JWT_AUDIENCE: AUDIENCE,
      RAPPORT_JWT_PUBLIC_KEY: publicPem,
    });

    const ingest = api.as(apiKey('ingest'));
    const occurredAt = new Date(Date.now() - 86_400_000).toISOString();
    expect((await ingest.event(CUSTOMER, 'identified', { name: 'Ada', email: 'ada@example.com' }, { occurredAt })).status).toBe(201);
    const purchase = await ingest.event(CUSTOMER, 'purchased', { orderId: 'o-1', amount: 1250, currency: 'USD' }, { occurredAt });
    expect(purchase.status).toBe(201);
    consistencyToken = purchase.body.consistencyToken;
    const admin = api.as(apiKey('admin'));
    expect((await admin.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'P1D' } })).status).toBe(201);
    // A complaint two days old escalates at once: an action to acknowledge.
    const complainedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    expect((await ingest.event('auth-grace', 'complained', { complaintId: 'k-1', category: 'billing', severity: 'high' }, { occurredAt: complainedAt })).status).toBe(201);
    actionId = 'sla/1/auth-grace/1/1';
    const deadline = Date.now() + 10_000;
    while (!(await admin.get('/v1/actions?playbookId=sla')).body.items.some((item: { actionId: string }) => item.actionId === actionId)) {
      if (Date.now() > deadline) throw new Error(`${actionId} never reached the queue`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    await api?.stop();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  /** A request that should succeed on each route, given the right role. */
  function sample(route: string): { method: string; url: string; body?: unknown } {
    const [method, pattern] = route.split(' ') as [string, string];
    const url = pattern.replace(':customerId', CUSTOMER).replace(':playbookId', 'sla').replace(':actionId', encodeURIComponent(actionId));
    const occurredAt = new Date().toISOString();
    const contacted = { type: 'contacted', occurredAt, data: { channel: 'email', direction: 'outbound' } };
    if (route === 'POST /v1/customers/:customerId/events') return { method, url, body: contacted };
    if (route === 'POST /v1/events') return { method, url, body: { events: [{ ...contacted, customerId: CUSTOMER }] } };
    if (route === 'PUT /v1/playbooks/:playbookId') return { method, url, body: { template: 'complaint-sla', params: { sla: 'P2D' } } };
    if (route === 'POST /v1/actions/:actionId/ack') return { method, url, body: { status: 'delivered' } };
    if (route === 'POST /v1/playbooks/simulate') {
      return { method, url, body: { playbook: { template: 'complaint-sla', params: { sla: 'P1D' } }, from: '2026-01-01T00:00:00Z', to: '2026-01-31T00:00:00Z' } };
    }
    if (url.startsWith('/v1/customers')) return { method, url: `${url}?consistentWith=${consistencyToken}` };
    if (route === 'GET /v1/audit/customers/:customerId/state') return { method, url: `${url}?atRevision=0` };
    if (route === 'GET /v1/analytics/rfm/grid/customers') return { method, url: `${url}?r=5&fm=5` };
    const split = 'calibrationEnd=2025-01-01T00:00:00Z&holdoutEnd=2025-07-01T00:00:00Z';
    if (route === 'GET /v1/analytics/models/compare') return { method, url: `${url}?${split}` };
    if (route === 'GET /v1/analytics/models/:model/validation') return { method, url: `${url.replace(':model', 'pareto-nbd')}?${split}` };
    if (route === 'GET /app/*') return { method, url: '/app/' };
    return { method, url };
  }

  /**
   * 401, 403, or 'ok' when the handler answered: a 2xx, or the one business
   * refusal a tiny data set earns (too few customers to fit the CLV models).
   */
  const outcome = (r: TestResponse) => {
    if (r.status === 401 || r.status === 403) return r.status;
    if ((r.status >= 200 && r.status < 300) || (r.status === 422 && r.body.code === 'MODEL_NOT_FITTED')) return 'ok';
    return `other ${r.status} ${r.body?.code ?? ''}`;
  };

  it('knows every route the server registers, and the OpenAPI document agrees', async () => {
    const served = routesOf(api.app).filter((r) => r.method !== 'HEAD');
    const unknown = served.filter((r) => !isSwaggerRoute(r.url) && !(`${r.method} ${r.url}` in ACCESS)).map((r) => `${r.method} ${r.url}`);
    // A new route: give it @Roles(...) (or @Public()/@Authenticated()) and a row in ACCESS.
    expect(unknown).toEqual([]);
    const stale = Object.keys(ACCESS).filter((key) => !served.some((r) => `${r.method} ${r.url}` === key));
    expect(stale).toEqual([]);
    // The HEAD twin of every GET goes through the same handler and guard.
    expect((await api.request('HEAD', '/v1/customers')).status).toBe(401);

    const doc = (await api.get('/openapi.json')).body;
    for (const [p, operations] of Object.entries<Record<string, { security?: unknown; 'x-rapport-roles'?: string[] }>>(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`;
        const access = ACCESS[key];
        expect([key, access !== undefined]).toEqual([key, true]);
        if (access === 'public') {
          expect([key, operation.security, operation['x-rapport-roles']]).toEqual([key, undefined, ['public']]);
        } else {
          expect([key, operation.security]).toEqual([key, [{ apiKey: [] }, { bearer: [] }]]);
          if (Array.isArray(access)) expect([key, [...operation['x-rapport-roles']!].sort()]).toEqual([key, [...new Set([...access, 'admin'])].sort()]);
        }
      }
    }
  });

  it.each(['api-key', 'jwt'] as const)('every route × role with %s credentials: 401 without one, 403 with the wrong role, success with the right one', async (kind) => {
    const credential = async (role: Role): Promise<Record<string, string>> =>
      kind === 'api-key' ? apiKey(role) : bearer(await jwt({ roles: [role] }, (t) => t.setSubject(`jwt-${role}`)));
    const expected: Record<string, Record<string, number | string>> = {};
    const actual: Record<string, Record<string, number | string>> = {};
    for (const [route, access] of Object.entries(ACCESS)) {
      const { method, url, body } = sample(route);
      expected[route] = {};
      actual[route] = {};
      const anonymous = await api.request(method, url, body);
      actual[route].none = outcome(anonymous);
      expected[route].none = access === 'public' ? 'ok' : 401;
      if (anonymous.status === 401) {
        expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(anonymous.body.code).toBe('UNAUTHENTICATED');
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="rapport", ApiKey realm="rapport", header="X-API-Key"');
      }
      for (const role of ROLES) {
        const response = await api.request(method, url, body, await credential(role));
        actual[route][role] = outcome(response);
        expected[route][role] = access === 'public' || access === 'authenticated' || role === 'admin' || (Array.isArray(access) && access.includes(role)) ? 'ok' : 403;
        if (response.status === 403) expect([route, role, response.body.code]).toEqual([route, role, 'FORBIDDEN']);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('lets a credential with no role scrape /metrics and nothing else', async () => {
    const scraper = api.as(apiKey('none'));
    expect((await scraper.get('/metrics')).status).toBe(200);
    const refused = await scraper.get(`/v1/customers/${CUSTOMER}`);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe('This route needs the role analyst or admin; prometheus has no role.');
  });

  it('serves health and the API description without a credential', async () => {
    expect((await api.get('/health/live')).status).toBe(200);
    expect((await api.get('/health/ready')).status).toBe(200);
    expect((await api.get('/openapi.json')).status).toBe(200);
    expect((await api.get('/docs')).status).toBe(200);
  });

  describe('metadata.actor is the credential name, never the body', () => {
    const history = async () => (await api.get(`/v1/audit/customers/${CUSTOMER}/history?limit=1000`, apiKey('auditor'))).body.events as { eventId: string; metadata: { actor: string } }[];
    const actorOf = async (eventId: string) => (await history()).find((e) => e.eventId === eventId)?.metadata.actor;

    it('API key: its name, on the single and the batch route', async () => {
      const single = await api.as(apiKey('ingest')).event(CUSTOMER, 'contacted', { channel: 'phone', direction: 'inbound' });
      expect(single.status).toBe(201);
      expect(await actorOf(single.body.events[0].eventId)).toBe('crm-sync');

      const batch = await api.post('/v1/events', { events: [{ customerId: CUSTOMER, type: 'contacted', occurredAt: new Date().toISOString(), data: { channel: 'sms', direction: 'outbound' } }] }, apiKey('admin'));
      expect(batch.status).toBe(200);
      expect(await actorOf(batch.body.results[0].eventId)).toBe('ops-admin');
    });

    it('JWT: its sub', async () => {
      const token = await jwt({ roles: ['ingest'] }, (t) => t.setSubject('svc-webshop'));
      const recorded = await api.event(CUSTOMER, 'contacted', { channel: 'web', direction: 'inbound' }, {}, bearer(token));
      expect(recorded.status).toBe(201);
      expect(await actorOf(recorded.body.events[0].eventId)).toBe('svc-webshop');
    });

    it('a body naming metadata.actor is refused and nothing is recorded', async () => {
      const before = (await history()).length;
      const response = await api.event(CUSTOMER, 'contacted', { channel: 'web', direction: 'inbound' }, { metadata: { actor: 'root' } }, apiKey('ingest'));
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'metadata.actor' })]));
      expect((await history()).length).toBe(before);
    });
  });

  describe('credentials that must fail: 401 UNAUTHENTICATED', () => {
    const route = `/v1/customers/${CUSTOMER}`;
    async function refused(headers: Record<string, string>, detail: RegExp) {
      const response = await api.get(route, headers);
      expect([response.status, response.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(response.body.detail).toMatch(detail);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="rapport"/);
    }
    const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = () => Math.floor(Date.now() / 1000);

    it('control: a good token and a token just inside the 30 s clock skew are accepted', async () => {
      expect((await api.get(route, bearer(await jwt({ roles: ['analyst'] })))).status).toBe(200);
      expect((await api.get(route, bearer(await jwt({ roles: ['analyst'] }, (t) => t.setExpirationTime(now() - 10))))).status).toBe(200);
      expect((await api.get(route, bearer(await jwt({ roles: ['analyst'] }, (t) => t.setNotBefore(now() + 10))))).status).toBe(200);
    });

    it('expired', async () => {
      await refused(bearer(await jwt({ roles: ['analyst'] }, (t) => t.setIssuedAt(now() - 600).setExpirationTime(now() - 60))), /expired/);
    });

    it('not yet valid', async () => {
      await refused(bearer(await jwt({ roles: ['analyst'] }, (t) => t.setNotBefore(now() + 120))), /not valid yet/);
    });

    it('wrong issuer', async () => {
      await refused(bearer(await jwt({ roles: ['analyst'] }, (t) => t.setIssuer('https://evil.example'))), /another issuer/);
    });

    it('wrong audience', async () => {
      await refused(bearer(await jwt({ roles: ['analyst'] }, (t) => t.setAudience('another-api'))), /another audience/);
    });

    it('bad signature: signed by another key, or a payload changed after signing', async () => {
      const stranger = await generateKeyPair('RS256');
      await refused(bearer(await jwt({ roles: ['analyst'] }, undefined, stranger.privateKey)), /signature does not verify/);
      const [header, , signature] = (await jwt({ roles: ['analyst'] })).split('.');
      const forged = b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', roles: ['admin'], exp: now() + 300 });
      await refused(bearer(`${header}.${forged}.${signature}`), /signature does not verify/);
    });

    it('alg: none, unsigned or with a borrowed signature', async () => {
      const unsecured = new UnsecuredJWT({ roles: ['admin'] }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('mallory').setExpirationTime('5m').encode();
      await refused(bearer(unsecured), /algorithm this server does not accept/);
      const [, payload, signature] = (await jwt({ roles: ['admin'] })).split('.');
      for (const alg of ['none', 'None', 'NONE']) await refused(bearer(`${b64url({ alg, typ: 'JWT' })}.${payload}.${signature}`), /algorithm/);
    });

    it('algorithm confusion: HS256 signed with the RS public key as the secret', async () => {
      for (const secret of [publicPem, publicPem.trim()]) {
        await refused(bearer(await jwt({ roles: ['admin'] }, undefined, new TextEncoder().encode(secret), 'HS256')), /algorithm/);
      }
    });

    it('ES256 (an allowed default) with an attacker EC key, when the configured key is RSA', async () => {
      const ec = await generateKeyPair('ES256');
      await refused(bearer(await jwt({ roles: ['admin'] }, undefined, ec.privateKey, 'ES256')), /algorithm/);
    });

    it('no exp, no sub, garbage', async () => {
      const noExp = await new SignJWT({ roles: ['analyst'] }).setProtectedHeader({ alg: 'RS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice').sign(signing.privateKey);
      await refused(bearer(noExp), /"exp" claim/);
      const noSub = await new SignJWT({ roles: ['analyst'] }).setProtectedHeader({ alg: 'RS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(signing.privateKey);
      await refused(bearer(noSub), /"sub" claim/);
      await refused(bearer('not.a.jwt'), /malformed/);
      await refused({ authorization: 'Basic YWRtaW46YWRtaW4=' }, /Bearer/);
      await refused({ authorization: 'Bearer' }, /Bearer/);
    });

    it('API keys: unknown, empty, the stored hash sent as the key, two credentials at once', async () => {
      await refused({ 'x-api-key': 'rk_guess_00000000000000000000000000000000' }, /API key is not accepted/);
      await refused({ 'x-api-key': '' }, /API key is not accepted/);
      await refused({ 'x-api-key': sha256Hex(API_KEYS.admin.key) }, /API key is not accepted/);
      await refused({ 'x-api-key': API_KEYS.admin.key.toUpperCase() }, /API key is not accepted/);
      await refused({ ...apiKey('analyst'), ...bearer(await jwt({ roles: ['analyst'] })) }, /not both/);
    });

    it('a valid token whose roles Rapport does not know is authenticated but forbidden (403)', async () => {
      const response = await api.get(route, bearer(await jwt({ roles: ['superuser', 'root'] })));
      expect([response.status, response.body.code]).toEqual([403, 'FORBIDDEN']);
    });
  });
});

describe('when the server refuses to start (SPEC section 8)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-auth-refuse-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const start = (env: Record<string, string>) => ApiTestClient.start(env, path.join(dir, 'data'));

  it('bound to a non-loopback address with no credentials configured', async () => {
    await expect(start({ RAPPORT_HOST: '0.0.0.0' })).rejects.toThrow(/RAPPORT_HOST=0\.0\.0\.0 is not a loopback address.*refusing to start/);
    // Refused before any store was opened.
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('with RAPPORT_AUTH=required and no credentials, or an API-key file with no key', async () => {
    await expect(start({ RAPPORT_AUTH: 'required' })).rejects.toThrow(/RAPPORT_AUTH=required.*refusing to start/);
    fs.writeFileSync(path.join(dir, 'empty.json'), '[]');
    await expect(start({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: path.join(dir, 'empty.json') })).rejects.toThrow(/lists no key/);
  });

  it.each([
    ['bad JSON', '[{"name": "crm-sync"', /is not valid JSON/],
    ['an unknown role', JSON.stringify([{ name: 'crm-sync', sha256: sha256Hex('k'), roles: ['superuser'] }]), /"roles" must be an array of ingest, analyst, auditor, admin/],
    ['bad hex', JSON.stringify([{ name: 'crm-sync', sha256: 'not-hex', roles: ['ingest'] }]), /"sha256" must be the 64 hex digits/],
  ])('with an API-key file holding %s', async (_what, text, message) => {
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, text);
    await expect(start({ RAPPORT_API_KEYS: file })).rejects.toThrow(message);
  });

  it('as a process (npm start): exits 1 with the reason, off loopback without credentials', async () => {
    const main = path.resolve(__dirname, 'main.ts');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
      cwd: path.resolve(__dirname, '../../..'),
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RAPPORT_'))),
        RAPPORT_HOST: '0.0.0.0',
        RAPPORT_PORT: '0',
        RAPPORT_DATA_DIR: path.join(dir, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/configuration error: RAPPORT_HOST=0\.0\.0\.0 is not a loopback address, so every request needs a credential, but none is configured/);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  }, 60_000);

  it('but serves off loopback once credentials are configured, and requires them', async () => {
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'crm-sync', sha256: sha256Hex('the-key'), roles: ['ingest'] }]));
    const api = await start({ RAPPORT_HOST: '0.0.0.0', RAPPORT_API_KEYS: file });
    try {
      expect((await api.get('/v1/customers')).status).toBe(401);
      expect((await api.get('/metrics', { 'x-api-key': 'the-key' })).status).toBe(200);
    } finally {
      await api.stop({ keepData: true });
    }
  });
});

describe('when the issuer keys (JWKS) cannot be fetched', () => {
  it('answers 503 AUTH_UNAVAILABLE with Retry-After, not 401: the token may be fine', async () => {
    const { createServer } = await import('node:net');
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const api = await ApiTestClient.start({
      RAPPORT_AUTH: 'required',
      RAPPORT_JWT_ISSUER: ISSUER,
      RAPPORT_JWT_AUDIENCE: AUDIENCE,
      RAPPORT_JWT_JWKS_URL: `http://127.0.0.1:${closedPort}/.well-known/jwks.json`,
      RAPPORT_JWT_ALGORITHMS: 'RS256',
    });
    try {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT({ roles: ['analyst'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice').setExpirationTime('5m').sign(privateKey);
      const response = await api.get('/v1/customers', { authorization: `Bearer ${token}` });
      expect([response.status, response.body.code, response.headers.get('retry-after')]).toEqual([503, 'AUTH_UNAVAILABLE', '5']);
      // Still no way in without a token.
      expect((await api.get('/v1/customers')).status).toBe(401);
    } finally {
      await api.stop();
    }
  });
});

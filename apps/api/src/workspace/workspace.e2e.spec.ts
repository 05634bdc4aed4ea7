// The workspace as served (SPEC section 11): `/` leads to /app/, the page and
// its assets come from the API itself under a CSP without inline scripts or
// eval, compressed, cached by content hash, and all its JavaScript weighs at
// most 300 KB gzipped over the wire.
import * as http from 'node:http';
import { ApiTestClient } from '../testing/api-test-client';
import { WorkspaceAssets } from './workspace-assets.service';
import { javascriptGzipBytes } from './workspace-bundle.builder';

jest.setTimeout(60_000);

/** Issue 14's budget for all JavaScript over the wire. */
const JAVASCRIPT_BUDGET_BYTES = 300 * 1024;

const WORKSPACE_CSP = "default-src 'none';script-src 'self';style-src 'self';img-src 'self';connect-src 'self';object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

/** A raw GET: fetch() would decompress and hide the bytes on the wire. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes }));
      })
      .on('error', reject);
  });
}

describe('the workspace as served', () => {
  let api: ApiTestClient;
  let html: string;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    html = String((await api.get('/app/')).body);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('sends / and /app to /app/', async () => {
    for (const [url, status] of [['/', 302], ['/app', 301]] as const) {
      const response = await fetch(`${api.baseUrl}${url}`, { redirect: 'manual' });
      expect([url, response.status, response.headers.get('location')]).toEqual([url, status, '/app/']);
    }
  });

  it('serves the page under a CSP with no inline script, no eval and no other origin', async () => {
    const page = await api.get('/app/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(WORKSPACE_CSP);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    // Every script is a same-origin file; no inline script, no inline handler, no inline style.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, content] of scripts) {
      expect(content!.trim()).toBe('');
      expect(attributes).toMatch(/src="assets\/workspace-[A-Z0-9]+\.js"/);
    }
    expect(html).not.toMatch(/\son[a-z]+=|style=|javascript:|https?:\/\//i);
    // The API's own responses keep their lock-down policy.
    expect((await api.get('/v1/session')).headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
  });

  it('serves each asset gzipped, cached for good under its content hash, and 404s anything else', async () => {
    const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.map((a) => a.split('.').pop()).sort()).toEqual(['css', 'js', 'svg']);
    for (const asset of assets) {
      const gzipped = await rawGet(`${api.baseUrl}/app/${asset}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect([asset, gzipped.status, gzipped.headers['content-encoding'], gzipped.headers['cache-control']]).toEqual([asset, 200, 'gzip', 'public, max-age=31536000, immutable']);
      const plain = await rawGet(`${api.baseUrl}/app/${asset}`);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.bytes).toBeGreaterThanOrEqual(gzipped.bytes);
      const again = await rawGet(`${api.baseUrl}/app/${asset}`, { 'accept-encoding': 'gzip', 'if-none-match': String(gzipped.headers.etag) });
      expect(again.status).toBe(304);
    }
    for (const url of ['/app/assets/nothing.js', '/app/assets/../../package.json', '/app/manifest.json', '/app/index.html']) {
      const response = await api.get(url);
      expect([url, response.status]).toEqual([url, 404]);
    }
  });

  it(`keeps all JavaScript within ${JAVASCRIPT_BUDGET_BYTES / 1024} KB gzipped, as measured on the wire`, async () => {
    const scripts = [...html.matchAll(/<script\b[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    let wire = 0;
    for (const script of scripts) wire += (await rawGet(`${api.baseUrl}/app/${script}`, { 'accept-encoding': 'gzip' })).bytes;
    expect(wire).toBe(javascriptGzipBytes(api.app.get(WorkspaceAssets).built));
    process.stdout.write(`workspace JavaScript: ${(wire / 1024).toFixed(1)} KB gzipped\n`);
    expect(wire).toBeLessThanOrEqual(JAVASCRIPT_BUDGET_BYTES);
  });

  it('tells the page that no credential is needed on loopback, with every role', async () => {
    const session = await api.get('/v1/session');
    expect(session.body).toEqual({ authRequired: false, accepts: [], reportingCurrency: 'USD', mode: 'embedded', authenticated: true, name: 'anonymous', roles: ['ingest', 'analyst', 'auditor', 'admin'], via: 'none' });
  });
});

// Test support: the real app on a SQLite data directory of its own, spoken to
// over real HTTP on a loopback port.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type RapportConfig } from '@rapport/config';
import { createApp } from '../app.factory';

export interface TestResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export class ApiTestClient {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly dataDir: string,
    /** Sent with every request, e.g. a credential: `{ 'x-api-key': ... }` or `{ authorization: 'Bearer ...' }`. */
    readonly defaultHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** The same server, spoken to with these headers (a credential) on every request; stop() stops the shared server. */
  as(headers: Readonly<Record<string, string>>): ApiTestClient {
    return new ApiTestClient(this.app, this.baseUrl, this.dataDir, headers);
  }

  static async start(env: Record<string, string> = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-e2e-'))) {
    const config: RapportConfig = loadConfig({ RAPPORT_DATA_DIR: dataDir, RAPPORT_PORT: '0', RAPPORT_LOG_LEVEL: 'silent', ...env });
    const app = await createApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return new ApiTestClient(app, `http://127.0.0.1:${address.port}`, dataDir);
  }

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> {
    const init: RequestInit = { method, headers: { ...this.defaultHeaders, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${url}`, init);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, body: /^application\/(?:[\w.+-]+\+)?json/.test(type) && text ? JSON.parse(text) : text };
  }

  get<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, undefined, headers);
  }

  post<T = any>(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, body, headers);
  }

  /** Posts an event for a customer. */
  event(customerId: string, type: string, data: unknown, extra: Record<string, unknown> = {}, headers?: Record<string, string>) {
    return this.post(`/v1/customers/${encodeURIComponent(customerId)}/events`, { type, occurredAt: extra.occurredAt ?? new Date().toISOString(), data, ...extra }, headers);
  }

  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    await this.app.close();
    if (!options.keepData) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

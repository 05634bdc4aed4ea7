// Test support: the real app on a SQLite data directory of its own, spoken to
// over real HTTP on a loopback port. Every response is checked against the
// server's own OpenAPI document (openapi-contract.ts): a response the document
// does not describe fails the request that received it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type RapportConfig } from '@rapport/config';
import { createApp } from '../app.factory';
import { OpenApiContract } from './openapi-contract';

export interface TestResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface RequestOptions {
  /**
   * false: do not check the response against the OpenAPI document. Only for a
   * request that deliberately steps outside the contract; say why where it is used.
   */
  readonly contract?: false;
}

/** A response the server's OpenAPI document does not describe. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

export class ApiTestClient {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly dataDir: string,
    /** Sent with every request, e.g. a credential: `{ 'x-api-key': ... }` or `{ authorization: 'Bearer ...' }`. */
    readonly defaultHeaders: Readonly<Record<string, string>> = {},
    /** The server's own OpenAPI document, read once per server. */
    readonly contract?: OpenApiContract,
  ) {}

  /** The same server, spoken to with these headers (a credential) on every request; stop() stops the shared server. */
  as(headers: Readonly<Record<string, string>>): ApiTestClient {
    return new ApiTestClient(this.app, this.baseUrl, this.dataDir, headers, this.contract);
  }

  static async start(env: Record<string, string> = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-e2e-'))) {
    const config: RapportConfig = loadConfig({ RAPPORT_DATA_DIR: dataDir, RAPPORT_PORT: '0', RAPPORT_LOG_LEVEL: 'silent', ...env });
    const app = await createApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    return new ApiTestClient(app, baseUrl, dataDir, {}, await OpenApiContract.load(baseUrl));
  }

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, options: RequestOptions = {}): Promise<TestResponse<T>> {
    const init: RequestInit = { method, headers: { ...this.defaultHeaders, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${url}`, init);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = /^application\/(?:[\w.+-]+\+)?json/.test(type) && text ? JSON.parse(text) : text;
    if (this.contract && options.contract !== false) {
      const violations = this.contract.violations({ method, url, status: response.status, contentType: type, body: parsed });
      if (violations.length > 0) {
        throw new ContractViolation(
          `${method} ${url} answered ${response.status} ${type}, which the OpenAPI document does not describe:\n  ${violations.join('\n  ')}\nbody: ${text.slice(0, 600)}`,
        );
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
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

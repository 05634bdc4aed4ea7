// Test support: Rapport's API as a real child process (`npm start`'s entry point,
// through RoleProcess), ready once /health/ready answers, with a few HTTP calls.
import { freePort, RoleProcess } from '@rapport/config/testing';

export class ServerProcess {
  private constructor(
    private readonly role: RoleProcess,
    readonly baseUrl: string,
  ) {}

  get output(): string {
    return this.role.output;
  }

  static async start(dataDir: string, port?: number, env: Readonly<Record<string, string>> = {}): Promise<ServerProcess> {
    const listenPort = port ?? (await freePort());
    const role = RoleProcess.start('api', { RAPPORT_DATA_DIR: dataDir, RAPPORT_PORT: String(listenPort), RAPPORT_LOG_LEVEL: 'warn', ...env });
    const server = new ServerProcess(role, `http://127.0.0.1:${listenPort}`);
    await server.waitUntilReady();
    return server;
  }

  private async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.role.running) throw new Error(`server exited early (${this.role.child.exitCode}):\n${this.output}`);
      try {
        const response = await fetch(`${this.baseUrl}/health/ready`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  async post(url: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  async request(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await response.json() };
  }

  async get(url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`);
    return { status: response.status, body: await response.json() };
  }

  async delete(url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`, { method: 'DELETE' });
    return { status: response.status, body: await response.json() };
  }

  /** SIGTERM: finish in-flight requests, close the stores, exit; resolves with the exit code. */
  async stop(): Promise<number | null> {
    return (await this.role.stop()).code;
  }

  /** SIGKILL: no chance to clean up, as in a power cut. */
  kill(): Promise<void> {
    return this.role.kill();
  }
}

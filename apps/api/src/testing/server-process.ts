// Test support: Rapport as a real child process (`npm start`'s entry point), to
// stop it gracefully or kill it outright.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/api/src/main.ts');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class ServerProcess {
  private exited: Promise<number | null>;
  output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(dataDir: string, port?: number): Promise<ServerProcess> {
    const listenPort = port ?? (await freePort());
    const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], {
      cwd: ROOT,
      env: { ...process.env, RAPPORT_DATA_DIR: dataDir, RAPPORT_PORT: String(listenPort), RAPPORT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${listenPort}`);
    await server.waitUntilReady();
    return server;
  }

  private async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited early (${this.child.exitCode}):\n${this.output}`);
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

  async get(url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`);
    return { status: response.status, body: await response.json() };
  }

  async delete(url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${url}`, { method: 'DELETE' });
    return { status: response.status, body: await response.json() };
  }

  /** SIGTERM: finish in-flight requests, close the stores, exit. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: no chance to clean up, as in a power cut. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

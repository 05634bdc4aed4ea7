// A server under test in a process of its own (the real embedded API, or the
// bare Fastify baseline), so the load generator never shares its event loop.
// It runs the compiled JavaScript under dist/node, as `npm start` does (both
// sides of a ratio alike), built once per bench run if anything changed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { nodeArguments, PROCESS_ENVIRONMENT } from '@rapport/config';

export const ROOT = path.resolve(__dirname, '../../..');

let compiled = false;

/** Compiles what changed since the last build (the script `npm start` runs first), once per bench process. */
function ensureCompiled(): void {
  if (compiled) return;
  execFileSync(process.execPath, nodeArguments('apps/api/src/build/build.main.ts', false, ROOT).concat('--quiet'), { cwd: ROOT, stdio: 'inherit' });
  compiled = true;
}

export interface ServerOptions {
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** Path answering 200 once the server is ready. */
  readonly readyPath: string;
  readonly port: number;
  /** Write a V8 CPU profile of the server here when it exits. */
  readonly cpuProfDir?: string;
}

export class ServerProcess {
  private exited: Promise<number | null>;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    // Keep the tail of the output: it explains a server that died.
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    ensureCompiled();
    const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    const child = spawn(process.execPath, [...profile, ...nodeArguments(options.entry, true, ROOT)], {
      cwd: ROOT,
      // Started as package.json's scripts start the roles, the raw baselines too.
      env: { ...process.env, ...PROCESS_ENVIRONMENT, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${options.port}`);
    await server.waitReady(options.readyPath, 60_000);
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident set size of the server process, from /proc (Linux). */
  rssBytes(): number {
    return this.statusBytes('VmRSS')[0]!;
  }

  /** The resident set in its parts (Linux): anonymous memory (heaps, malloc), and pages of files and shared memory (the node binary, SQLite's shared index). */
  rssParts(): { anonBytes: number; fileBytes: number } {
    const [anon, file, shmem] = this.statusBytes('RssAnon', 'RssFile', 'RssShmem');
    return { anonBytes: anon!, fileBytes: file! + shmem! };
  }

  /** Fields of /proc/<pid>/status in bytes, from one read: parts of one instant. */
  private statusBytes(...fields: string[]): number[] {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return fields.map((field) => {
      const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
      if (kb === undefined) throw new Error(`no ${field} for process ${this.pid}`);
      return Number(kb) * 1024;
    });
  }

  /** SIGTERM, then wait: the API finishes in-flight requests and closes its stores (and writes a CPU profile). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitReady(readyPath: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before it was ready:\n${this.output}`);
      const ok = await fetch(this.url + readyPath).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`server not ready within ${timeoutMs} ms:\n${this.output}`);
  }
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The Rapport API (apps/api/src/main.ts) on a data directory of its own: embedded unless `env` says otherwise. */
export async function startRapport(dataDir: string, cpuProfDir?: string, env: Readonly<Record<string, string>> = {}): Promise<ServerProcess> {
  const port = await freePort();
  return ServerProcess.start({
    entry: 'apps/api/src/main.ts',
    readyPath: '/health/ready',
    port,
    ...(cpuProfDir ? { cpuProfDir } : {}),
    env: {
      RAPPORT_MODE: 'embedded',
      RAPPORT_HOST: '127.0.0.1',
      RAPPORT_PORT: String(port),
      RAPPORT_DATA_DIR: dataDir,
      // Request logging is an operator's choice; the baseline logs nothing either.
      RAPPORT_LOG_LEVEL: 'warn',
      RAPPORT_AUTH: 'auto',
      // One load generator is far over any per-client limit (off on loopback without credentials anyway).
      RAPPORT_RATE_LIMIT: '0',
      // Distributed mode and its topics, databases and roles, for the benches that run it.
      ...env,
    },
  });
}

/** The bare Fastify route of raw-append.server.ts, on a log file of its own. */
export async function startRawAppend(logFile: string, cpuProfDir?: string): Promise<ServerProcess> {
  const port = await freePort();
  return ServerProcess.start({
    entry: 'apps/bench/src/raw-append.server.ts',
    readyPath: '/ready',
    port,
    ...(cpuProfDir ? { cpuProfDir } : {}),
    env: { BENCH_PORT: String(port), BENCH_LOG: logFile },
  });
}

// Test support: one of Rapport's processes (api, relay, projector, playbook-runner, cli) as a real
// child process, started by its entry point, to stop gracefully or SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../../..');

export const ENTRY = {
  api: 'apps/api/src/main.ts',
  relay: 'apps/relay/src/main.ts',
  projector: 'apps/projector/src/main.ts',
  cli: 'apps/cli/src/main.ts',
  'playbook-runner': 'apps/api/src/playbook-runner.main.ts',
  /** `npm run start:distributed`: the four roles under one launcher. */
  launcher: 'apps/relay/src/start-distributed.ts',
} as const;

export class RoleProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** Watches a child started otherwise (an infrastructure node): its output, its exit, stop and kill. */
  static watch(name: string, child: ChildProcess): RoleProcess {
    return new RoleProcess(name, child);
  }

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts `node -r @swc-node/register <entry> [...args]` with the test's environment plus `env`. */
  static start(role: keyof typeof ENTRY, env: Record<string, string>, args: readonly string[] = []): RoleProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, ENTRY[role]), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new RoleProcess(role, child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the output matches, failing early if the process exits. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (!this.running) throw new Error(`${this.name} exited before ${pattern}:\n${this.output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** `signal` (SIGTERM by default), SIGKILL after `timeoutMs`, and wait for the exit. */
  async stop(timeoutMs = 30_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no chance to finish anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

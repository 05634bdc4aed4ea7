// Test support: a FerretDB of the test's own (SQLite backend, a free loopback
// port, data under a directory the test owns), for tests that kill or freeze
// the MongoDB-compatible store: the shared one of `npm run infra:up` serves
// other tests meanwhile. The binary is the one infra:up built.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from './free-port';
import { probeInfra } from './infra-probe';
import { ROOT, RoleProcess } from './role-process';

const HOST = '127.0.0.1';
const BINARY = path.join(ROOT, 'infra/.local/bin/ferretdb');

export class FerretNode {
  private process: RoleProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Starts a FerretDB on `dir` (created if needed); resolves once it answers a ping. */
  static async start(dir: string): Promise<FerretNode> {
    if (!existsSync(BINARY)) throw new Error(`no FerretDB binary at ${BINARY}: run npm run infra:up once`);
    const node = new FerretNode(dir, await freePort(HOST));
    await node.restart();
    return node;
  }

  /** A connection string for a database on this node. */
  url(database: string): string {
    return `mongodb://${HOST}:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** What the node printed since it last started. */
  get output(): string {
    return this.process?.output ?? '';
  }

  /** Starts it again on the same port and data. */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`FerretDB on ${HOST}:${this.port} is still running`);
    for (const sub of ['data', 'state']) mkdirSync(path.join(this.dir, sub), { recursive: true });
    const child = spawn(
      BINARY,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${path.join(this.dir, 'data')}/`,
        `--state-dir=${path.join(this.dir, 'state')}`,
        `--listen-addr=${HOST}:${this.port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=WARN',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = RoleProcess.watch('ferretdb', child);
    if (!(await probeInfra('mongo', `${HOST}:${this.port}`, 30))) {
      await this.kill();
      throw new Error(`FerretDB on ${HOST}:${this.port} did not answer:\n${this.output.slice(-2000)}`);
    }
  }

  /** SIGSTOP: the process stays, its sockets stay open, nothing answers (a hang, not a crash). */
  freeze(): void {
    this.process?.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.child.kill('SIGCONT');
  }

  /** SIGKILL, and waits for the exit (a frozen process is thawed too so it can die). */
  async kill(): Promise<void> {
    if (!this.running) return;
    const killed = this.process!.kill();
    this.thaw();
    await killed;
  }
}

// Test support: a Kafka broker of the test's own (single KRaft node on free
// loopback ports, data under a directory the test owns), for tests that stop
// and restart a broker: the shared one of `npm run infra:up` serves other tests
// at the same time. Started by `infra/infra.sh kafka-node`, the same jars, JVM
// options and config template as infra:up; that command execs the JVM, so the
// child's pid is the broker's.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort } from './free-port';
import { probeInfra } from './infra-probe';
import { ROOT, RoleProcess } from './role-process';

const HOST = '127.0.0.1';

export class KafkaNode {
  private process: RoleProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {}

  /** Formats `dir` on first use and starts the broker; resolves once it answers. */
  static async start(dir: string, options: { readyTimeoutMs?: number } = {}): Promise<KafkaNode> {
    const node = new KafkaNode(dir, await freePort(HOST), await freePort(HOST));
    await node.restart(options);
    return node;
  }

  get brokers(): string {
    return `${HOST}:${this.port}`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** What the node printed since it last started. */
  get output(): string {
    return this.process?.output ?? '';
  }

  /** Starts the broker again on the same ports and data directory. */
  async restart(options: { readyTimeoutMs?: number } = {}): Promise<void> {
    if (this.running) throw new Error(`broker on ${this.brokers} is still running`);
    const child = spawn('bash', [path.join(ROOT, 'infra/infra.sh'), 'kafka-node', this.dir, String(this.port), String(this.controllerPort)], {
      cwd: ROOT,
      // A small heap: the machine also runs the shared broker.
      env: { ...process.env, RAPPORT_KAFKA_HEAP_OPTS: process.env.RAPPORT_TEST_KAFKA_HEAP_OPTS ?? '-Xms128m -Xmx384m' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = RoleProcess.watch('kafka', child);
    const timeoutMs = options.readyTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    while (!(await probeInfra('kafka', `${HOST}:${this.port}`, 2))) {
      if (!this.running) throw new Error(`Kafka node exited during start-up:\n${this.output.slice(-4000)}\n(logs: ${this.dir}/logs)`);
      if (Date.now() > deadline) throw new Error(`Kafka node on ${this.brokers} did not answer within ${timeoutMs} ms (logs: ${this.dir}/logs)`);
    }
  }

  /**
   * SIGSTOP: the broker (and its KRaft controller, the same JVM) stays, its
   * sockets stay open and the kernel still accepts connections, but nothing
   * answers: a hang, not a crash (a long GC pause, a stuck VM).
   */
  freeze(): void {
    this.process?.child.kill('SIGSTOP');
  }

  /** SIGCONT: the broker carries on from where it was frozen. */
  thaw(): void {
    this.process?.child.kill('SIGCONT');
  }

  /**
   * SIGTERM: a controlled shutdown (the broker closes its logs cleanly), SIGKILL
   * after `timeoutMs`. SIGKILL: an unclean one (the broker recovers its logs on start).
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', timeoutMs = 60_000): Promise<void> {
    // A frozen broker would not act on SIGTERM before it is thawed.
    if (signal === 'SIGTERM') this.thaw();
    await this.process?.stop(timeoutMs, signal);
  }
}

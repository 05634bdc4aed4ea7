// Watches one dependency (Kafka, MongoDB) in the background: a cheap probe
// every `intervalMs`, each with its own time limit, one at a time. What it
// found is kept for readiness and metrics to read without touching the
// dependency themselves, and each change is logged once: one line when the
// dependency goes away, one when it returns — not one per failed request.
import { withTimeLimit } from './dependency';
import type { StructuredLogger } from './logger';

export type DependencyState = 'unknown' | 'up' | 'down';

export interface DependencyMonitorOptions {
  /** What it watches, for the log lines: `Kafka`, `MongoDB`. */
  readonly name: string;
  /** Resolves when the dependency answers; any rejection (or no answer in time) counts as down. */
  readonly probe: () => Promise<unknown>;
  /** Pause between probes. Default 1 s. */
  readonly intervalMs?: number;
  /** Time limit of each probe. Default 1 s. */
  readonly timeoutMs?: number;
  readonly logger?: Pick<StructuredLogger, 'info' | 'warn'>;
  /** Called on every change of state, after it is logged. */
  readonly onChange?: (state: 'up' | 'down') => void;
}

export class DependencyMonitor {
  private current: DependencyState = 'unknown';
  private changedAt = Date.now();
  private succeededAt: number | undefined;
  private error: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: DependencyMonitorOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** `unknown` until the first probe settles. */
  get state(): DependencyState {
    return this.current;
  }

  /** When the last probe succeeded (ms since the epoch), if one has. */
  get lastSuccessAt(): number | undefined {
    return this.succeededAt;
  }

  /** Why the last probe failed, while down. */
  get lastError(): string | undefined {
    return this.error;
  }

  /** Probes at once, then every interval, until stop(). */
  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    this.tick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One probe now (also while stopped): the state it leaves. */
  async check(): Promise<DependencyState> {
    if (!this.running) this.running = this.probeOnce().finally(() => (this.running = undefined));
    await this.running;
    return this.current;
  }

  private tick(): void {
    if (this.stopped) return;
    void this.check().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs ?? 1_000);
    });
  }

  private async probeOnce(): Promise<void> {
    const limit = this.options.timeoutMs ?? 1_000;
    try {
      await withTimeLimit(limit, this.options.probe, this.options.name);
      this.succeededAt = Date.now();
      this.error = undefined;
      this.change('up');
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.change('down');
    }
  }

  private change(next: 'up' | 'down'): void {
    const previous = this.current;
    if (previous === next) return;
    const now = Date.now();
    const seconds = Math.round((now - this.changedAt) / 100) / 10;
    this.current = next;
    this.changedAt = now;
    if (next === 'down') {
      this.options.logger?.warn(`${this.name} unreachable${previous === 'up' ? '' : ' since start'}: ${this.error}`, { dependency: this.name, error: this.error });
    } else if (previous === 'down') {
      this.options.logger?.info(`${this.name} reachable again after ${seconds} s`, { dependency: this.name, downSeconds: seconds });
    }
    this.options.onChange?.(next);
  }
}

// How far the read models have got, for read-your-writes (`?consistentWith=`)
// and readiness. Embedded: the in-process LogSubscription. Distributed: the
// API asks Kafka how far the relay and projectors are (apps/api).

/** Why a subscription's last attempt failed; cleared by the next batch it commits. */
export interface ProjectionFailure {
  readonly message: string;
  readonly at: Date;
  /** Attempts that failed in a row. */
  readonly failures: number;
}

/** What readiness needs to tell a subscription that keeps up from one that lags or has stalled. */
export interface SubscriptionStatus {
  readonly running: boolean;
  readonly position: number;
  /** When the subscription started or last committed a batch. */
  readonly lastAdvancedAt: Date | undefined;
  readonly lastError: ProjectionFailure | undefined;
}

/** A read-progress token: a position, and a way to wait for a later one. Also the injection token. */
export abstract class ReadProgress {
  /** Highest log position the read models are known to reflect. */
  abstract get position(): number;
  abstract get running(): boolean;
  /** The in-process subscription's state; undefined where other processes project (distributed mode). */
  abstract get status(): SubscriptionStatus | undefined;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  /** Resolves true once the read models reflect `position`, false on timeout or stop. */
  abstract waitFor(position: number, timeoutMs: number): Promise<boolean>;
}

/** Waiters on a monotonic position, resolved as it moves. */
export class PositionWaiters {
  private waiters: { position: number; resolve: (reached: boolean) => void }[] = [];

  constructor(private readonly current: () => number) {}

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.current() >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(this.current() >= position);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves the waiters the current position has reached. */
  moved(): void {
    const position = this.current();
    const reached = this.waiters.filter((w) => w.position <= position);
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const waiter of reached) waiter.resolve(true);
  }

  /** Resolves every waiter false. */
  release(): void {
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters = [];
  }
}

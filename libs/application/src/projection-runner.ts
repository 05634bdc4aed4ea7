// Embedded read side: follows the log from a durable checkpoint and applies the
// pure projections. Idempotence is the runner's job: an event at or below a
// document's revision is skipped, and documents commit with their checkpoint.
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import {
  projectCustomerFacts,
  projectCustomerView,
  projectTimelineEntry,
  redactTimelineEntry,
  type CustomerFacts,
  type CustomerView,
  type TimelineEntry,
} from '@rapport/projections';
import type { ReadStore } from '@rapport/read-store';
import { toCustomerEvent } from './recorded-event.mapper';
import { sleep, type StructuredLogger } from '@rapport/config';

export const CUSTOMER_PROJECTION = 'customer-views';
/** Position of the last purchase the read models reflect: analytics fits are cached against it. */
export const PURCHASES_CHECKPOINT = 'purchases';

export interface ProjectionRunnerOptions {
  readonly batchSize?: number;
  readonly logger?: StructuredLogger;
  /** Pause before retrying a batch that failed to apply; it doubles with each failure in a row. */
  readonly retryDelayMs?: number;
  /** Longest pause between retries, so a disk that has room again is noticed soon. Default 5 s. */
  readonly maxRetryDelayMs?: number;
  /** Source of the times readiness compares. Default: the system clock. */
  readonly now?: () => Date;
}

/** Why the runner's last attempt failed; cleared by the next batch it commits. */
export interface ProjectionFailure {
  readonly message: string;
  readonly at: Date;
  /** Attempts that failed in a row. */
  readonly failures: number;
}

/** What readiness needs to tell a runner that keeps up from one that lags or has stalled. */
export interface ProjectionRunnerStatus {
  readonly running: boolean;
  readonly position: number;
  /** When the runner started or last committed a batch. */
  readonly lastAdvancedAt: Date | undefined;
  readonly lastError: ProjectionFailure | undefined;
}

export interface BatchResult {
  readonly events: number;
  readonly applied: number;
  readonly position: number;
}

export class ProjectionRunner {
  private current = -1;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private waiters: { position: number; resolve: (reached: boolean) => void }[] = [];
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly now: () => Date;
  private lastAdvancedAt: Date | undefined;
  private lastError: ProjectionFailure | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 5000);
    this.now = options.now ?? (() => new Date());
  }

  /** Position of the last event the read models reflect. */
  get position(): number {
    return this.current;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  get status(): ProjectionRunnerStatus {
    return { running: this.running, position: this.position, lastAdvancedAt: this.lastAdvancedAt, lastError: this.lastError };
  }

  /** Starts following the log in the background from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.current = await this.readStore.getCheckpoint(CUSTOMER_PROJECTION);
    this.lastAdvancedAt = this.now();
    this.abort = new AbortController();
    this.loop = this.follow(this.abort.signal);
  }

  /** Stops after the batch in hand is committed, so the checkpoint matches the documents. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters = [];
  }

  /** Resolves true once the read models reflect `position`, false on timeout or stop. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.current >= position) return Promise.resolve(true);
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
        resolve(this.current >= position);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Applies every event up to the log's head, without following: from the stored
   * checkpoint, or from `after` where the checkpoint is not a log position (the
   * revision guards skip what the read models already reflect).
   */
  async catchUp(onProgress?: (result: BatchResult) => void, after?: number): Promise<number> {
    this.current = after ?? (await this.readStore.getCheckpoint(CUSTOMER_PROJECTION));
    for (;;) {
      const events = await this.store.readAll({ after: this.current, maxCount: this.batchSize });
      if (events.length === 0) return this.current;
      const result = await this.applyBatch(events);
      onProgress?.(result);
    }
  }

  /** Drops the read models and rebuilds them from the whole log. */
  async rebuild(onProgress?: (result: BatchResult) => void): Promise<number> {
    await this.readStore.reset();
    this.current = -1;
    return this.catchUp(onProgress);
  }

  /** Applies one batch of recorded events, in log order, and commits it with its checkpoint. */
  async applyBatch(events: readonly RecordedEvent[]): Promise<BatchResult> {
    if (events.length === 0) return { events: 0, applied: 0, position: this.current };
    const ids = events.map((e) => e.customerId);
    const [views, facts] = await Promise.all([this.readStore.getCustomers(ids), this.readStore.getFacts(ids)]);
    const changedViews = new Map<string, CustomerView>();
    const changedFacts = new Map<string, CustomerFacts>();
    const timeline: TimelineEntry[] = [];
    /** Customers whose personal data an event of this batch erases, with that event's revision. */
    const erasures = new Map<string, number>();
    let applied = 0;
    let lastPurchase: number | undefined;
    for (const recorded of events) {
      const event = toCustomerEvent(recorded);
      const view = changedViews.get(event.customerId) ?? views.get(event.customerId);
      const fact = changedFacts.get(event.customerId) ?? facts.get(event.customerId);
      // Each model has its own revision guard: redelivery or replay changes nothing.
      if (!view || event.revision > view.revision) changedViews.set(event.customerId, projectCustomerView(view, event));
      if (!fact || event.revision > fact.revision) changedFacts.set(event.customerId, projectCustomerFacts(fact, event));
      if (view && event.revision <= view.revision && fact && event.revision <= fact.revision) continue;
      timeline.push(projectTimelineEntry(event));
      if (event.type === 'purchased') lastPurchase = event.position;
      if (event.type === 'personal_data_erased') erasures.set(event.customerId, event.revision);
      applied++;
    }
    const position = events[events.length - 1]!.position;
    await this.readStore.commit({
      customers: [...changedViews.values()],
      timeline: erasures.size === 0 ? timeline : await this.withRedactions(timeline, erasures),
      ...(erasures.size > 0 ? { erasedCustomers: [...erasures.keys()] } : {}),
      facts: [...changedFacts.values()],
      checkpoint: { name: CUSTOMER_PROJECTION, position },
      ...(lastPurchase !== undefined ? { alsoAdvance: [{ name: PURCHASES_CHECKPOINT, position: lastPurchase }] } : {}),
    });
    this.advance(position);
    return { events: events.length, applied, position };
  }

  /**
   * Timeline entries recorded before an erasure lose their personal fields: the
   * ones already stored are rewritten, the ones in this batch redacted. A replay
   * after the erasure reads those fields as gone anyway and converges here.
   */
  private async withRedactions(timeline: readonly TimelineEntry[], erasures: ReadonlyMap<string, number>): Promise<TimelineEntry[]> {
    const erasedBefore = (entry: TimelineEntry) => {
      const revision = erasures.get(entry.customerId);
      return revision !== undefined && entry.revision < revision;
    };
    const result = timeline.map((entry) => (erasedBefore(entry) ? redactTimelineEntry(entry) : entry));
    const inBatch = new Set(timeline.map((entry) => `${entry.customerId}\u0000${entry.revision}`));
    for (const customerId of erasures.keys()) {
      let cursor: string | undefined;
      do {
        const page = await this.readStore.getTimeline(customerId, { limit: 500, ...(cursor !== undefined ? { cursor } : {}) });
        for (const entry of page.items) {
          if (erasedBefore(entry) && !inBatch.has(`${entry.customerId}\u0000${entry.revision}`)) result.push(redactTimelineEntry(entry));
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    return result;
  }

  private advance(position: number): void {
    this.current = Math.max(this.current, position);
    this.lastAdvancedAt = this.now();
    this.lastError = undefined;
    const reached = this.waiters.filter((w) => w.position <= this.current);
    this.waiters = this.waiters.filter((w) => w.position > this.current);
    for (const waiter of reached) waiter.resolve(true);
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const batch of this.store.follow({ after: this.current, batchSize: this.batchSize, signal })) {
          await this.applyBatch(batch);
          if (signal.aborted) break;
        }
      } catch (error) {
        if (signal.aborted) break;
        // Never die of a bad batch or a full disk: log it and retry from the last checkpoint, backing off.
        const failures = (this.lastError?.failures ?? 0) + 1;
        this.lastError = { message: error instanceof Error ? error.message : String(error), at: this.now(), failures };
        const delayMs = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (failures - 1));
        this.options.logger?.error('projection batch failed; retrying', { position: this.current, error: this.lastError.message, failures, retryInMs: delayMs });
        await sleep(delayMs, signal);
      }
    }
  }
}

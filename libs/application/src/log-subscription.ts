// Embedded read side: a subscription that follows the log from a durable
// checkpoint and hands each batch to the ProjectionHandler, which commits the
// documents with the checkpoint. It never dies of a bad batch or a full disk:
// it logs, backs off and retries from the last checkpoint.
import { sleep, type StructuredLogger } from '@rapport/config';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import { SpanKind, startItemSpans, type SpanGroup } from '@rapport/observability';
import type { BatchResult, ProjectionHandler } from './projection-handler';
import { PositionWaiters, ReadProgress, type ProjectionFailure, type SubscriptionStatus } from './read-progress';

/** The checkpoint of the embedded read models: a log position and nothing else. */
export const READ_MODELS_CHECKPOINT = 'read-models';

/** Where a subscription remembers how far it got; the document store is one. */
export interface CheckpointStore {
  /** Last committed position, or -1. */
  getCheckpoint(name: string): Promise<number>;
}

export interface LogSubscriptionOptions {
  readonly batchSize?: number;
  readonly logger?: StructuredLogger;
  /** Pause before retrying a batch that failed to apply; it doubles with each failure in a row. */
  readonly retryDelayMs?: number;
  /** Longest pause between retries, so a disk that has room again is noticed soon. Default 5 s. */
  readonly maxRetryDelayMs?: number;
  /** Source of the times readiness compares. Default: the system clock. */
  readonly now?: () => Date;
  /** Checkpoint name; default READ_MODELS_CHECKPOINT. */
  readonly checkpoint?: string;
  /** Told of every change of `status` (a batch committed, a failure): how a thread that follows the log reports to another. */
  readonly onStatus?: (status: SubscriptionStatus) => void;
  /** Told of every batch tried, with when it began and ended (epoch ms) and what it failed with: the same thread's spans, for another thread to trace. */
  readonly onBatch?: (batch: readonly RecordedEvent[], startedAt: number, endedAt: number, error?: unknown) => void;
}

/** What a `rapport.project` span says of an event. */
export type ProjectedEvent = Pick<RecordedEvent, 'customerId' | 'eventId' | 'type' | 'revision' | 'position' | 'metadata'>;

/**
 * A `rapport.project` span for each event of the batch appended under a sampled
 * trace, child of its append span. `startTime` (epoch ms): the batch was applied
 * earlier, by another thread that reports it now.
 */
export function startProjectSpans(batch: readonly ProjectedEvent[], batchSize: number = batch.length, startTime?: number): SpanGroup<ProjectedEvent> {
  return startItemSpans('rapport.project', SpanKind.INTERNAL, batch, (event) => event.metadata, projectAttributes(batchSize), startTime);
}

export class LogSubscription extends ReadProgress {
  private current = -1;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private readonly waiters = new PositionWaiters(() => this.current);
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly now: () => Date;
  private readonly checkpoint: string;
  private lastAdvancedAt: Date | undefined;
  private lastError: ProjectionFailure | undefined;

  constructor(
    private readonly log: EventStore,
    private readonly handler: ProjectionHandler,
    private readonly checkpoints: CheckpointStore,
    private readonly options: LogSubscriptionOptions = {},
  ) {
    super();
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 5000);
    this.now = options.now ?? (() => new Date());
    this.checkpoint = options.checkpoint ?? READ_MODELS_CHECKPOINT;
  }

  get position(): number {
    return this.current;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  get status(): SubscriptionStatus {
    return { running: this.running, position: this.position, lastAdvancedAt: this.lastAdvancedAt, lastError: this.lastError };
  }

  /** Starts following the log in the background from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.current = await this.checkpoints.getCheckpoint(this.checkpoint);
    this.lastAdvancedAt = this.now();
    this.abort = new AbortController();
    this.loop = this.follow(this.abort.signal);
  }

  /** Stops after the batch in hand is committed, so the checkpoint matches the documents. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    this.waiters.release();
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  /**
   * Applies every event up to the log's head, without following: from the stored
   * checkpoint, or from `after` where the checkpoint is not a log position (the
   * revision guards skip what the read models already reflect).
   */
  async catchUp(onProgress?: (result: BatchResult) => void, after?: number): Promise<number> {
    this.current = after ?? (await this.checkpoints.getCheckpoint(this.checkpoint));
    for (;;) {
      const events = await this.log.readAll({ after: this.current, maxCount: this.batchSize });
      if (events.length === 0) return this.current;
      const result = await this.apply(events);
      onProgress?.(result);
    }
  }

  /** Drops the read models and rebuilds them from the whole log. */
  async rebuild(onProgress?: (result: BatchResult) => void): Promise<number> {
    await this.handler.reset();
    return this.catchUp(onProgress, -1);
  }

  private async apply(events: Parameters<ProjectionHandler['handle']>[0]): Promise<BatchResult> {
    const result = await this.handler.handle(events, this.checkpoint);
    this.current = Math.max(this.current, result.position);
    this.lastAdvancedAt = this.now();
    this.lastError = undefined;
    this.waiters.moved();
    this.options.onStatus?.(this.status);
    return result;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const batch of this.log.follow({ after: this.current, batchSize: this.batchSize, signal })) {
          const spans = startProjectSpans(batch);
          const startedAt = Date.now();
          try {
            await this.apply(batch);
          } catch (error) {
            spans.end(error);
            this.options.onBatch?.(batch, startedAt, Date.now(), error);
            throw error;
          }
          spans.end();
          this.options.onBatch?.(batch, startedAt, Date.now());
          if (signal.aborted) break;
        }
      } catch (error) {
        if (signal.aborted) break;
        const failures = (this.lastError?.failures ?? 0) + 1;
        this.lastError = { message: error instanceof Error ? error.message : String(error), at: this.now(), failures };
        this.options.onStatus?.(this.status);
        const delayMs = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (failures - 1));
        this.options.logger?.error('projection batch failed; retrying', { position: this.current, error: this.lastError.message, failures, retryInMs: delayMs });
        await sleep(delayMs, signal);
      }
    }
  }
}

/** Attributes of an event's `rapport.project` span. */
function projectAttributes(batchSize: number): (event: ProjectedEvent) => Record<string, string | number> {
  return (event) => ({
    'rapport.customer.id': event.customerId,
    'rapport.event.id': event.eventId,
    'rapport.event.type': event.type,
    'rapport.event.revision': event.revision,
    'rapport.log.position': event.position,
    'rapport.batch.size': batchSize,
  });
}

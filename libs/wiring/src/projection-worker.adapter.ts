// The embedded read side on a thread of its own. Projecting a batch (reading
// the documents, evolving them, committing them with the checkpoint) costs
// about as much CPU as deciding and appending it; on the API's event loop it
// competed with every request. The thread (projection.worker.ts) follows the
// log on its own connections and commits to the same read-model file, which
// the API reads through its own connection (SQLite WAL: readers see each
// commit whole). This side reports the thread's progress for
// `?consistentWith=` and readiness, wakes it after each append, logs what it
// logs, makes the `rapport.project` spans of what it projected, and starts it
// again if it dies.
import type { Worker } from 'node:worker_threads';
import { PositionWaiters, ReadProgress, startProjectSpans, type SubscriptionStatus } from '@rapport/application';
import type { StructuredLogger } from '@rapport/config';
import { tracingActive } from '@rapport/observability';
import type { FromWorker, ProjectionWorkerData, StatusMessage, ToWorker } from './projection.worker';
import { startWorkerThread, type ThreadHeap, type ThreadHeapSource } from './worker-thread';

export interface ProjectionWorkerOptions {
  /** The data directory whose log and read models the thread opens (embeddedPaths). */
  readonly dataDir: string;
  /** Registers a call after each append through the API's own log connection; returns the unsubscribe. */
  readonly onAppend: (listener: () => void) => () => void;
  readonly batchSize?: number;
  /** The thread's pause before retrying a batch that failed (LogSubscription). */
  readonly retryDelayMs?: number;
  /** How often the thread looks for appends it was not woken for (made by another process, such as a CLI import). */
  readonly pollIntervalMs?: number;
  readonly logger?: StructuredLogger;
  /** Pause before starting a thread that died again; doubles with each death in a row, up to 5 s. Default 1 s. */
  readonly restartDelayMs?: number;
  /** How long stop() waits for the batch in hand to commit before it ends the thread. Default 30 s. */
  readonly stopTimeoutMs?: number;
}

const DEFAULT_BATCH = 500;

const STOPPED: StatusMessage = { running: false, position: -1, lastAdvancedAt: null, lastError: null };

export class ProjectionWorker extends ReadProgress implements ThreadHeapSource {
  private worker: Worker | undefined;
  private latest: StatusMessage = STOPPED;
  /** The thread's heap at its last status (after each batch it projects). */
  private heap: ThreadHeap | undefined;
  private readonly waiters = new PositionWaiters(() => this.latest.position);
  private unsubscribe: (() => void) | undefined;
  /** An `appended` message is due this turn of the event loop: appends of one group commit share it. */
  private wakeScheduled = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Halved each time a thread runs out of memory, so that a batch of very large documents still gets through. */
  private batchSize: number;

  constructor(private readonly options: ProjectionWorkerOptions) {
    super();
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
  }

  get position(): number {
    return this.latest.position;
  }

  get running(): boolean {
    return this.worker !== undefined && this.latest.running;
  }

  get status(): SubscriptionStatus {
    const { position, lastAdvancedAt, lastError } = this.latest;
    return {
      running: this.running,
      position,
      lastAdvancedAt: lastAdvancedAt === null ? undefined : new Date(lastAdvancedAt),
      lastError: lastError === null ? undefined : { ...lastError, at: new Date(lastError.at) },
    };
  }

  /** Starts the thread; resolves once it follows the log from its checkpoint, rejects if it cannot open the stores. */
  async start(): Promise<void> {
    if (this.worker) return;
    this.stopping = false;
    this.unsubscribe ??= this.options.onAppend(() => this.wake());
    try {
      await this.spawn();
    } catch (error) {
      this.unsubscribe();
      this.unsubscribe = undefined;
      throw error;
    }
  }

  /** Stops after the batch in hand is committed, so the checkpoint matches the documents. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => void worker.terminate(), this.options.stopTimeoutMs ?? 30_000);
      await exited;
      clearTimeout(timer);
    }
    this.worker = undefined;
    this.latest = { ...this.latest, running: false };
    this.waiters.release();
  }

  /** The running thread's heap as it last reported it. */
  threadHeaps(): readonly ThreadHeap[] {
    return this.worker && this.heap ? [this.heap] : [];
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  private wake(): void {
    if (this.wakeScheduled || !this.worker) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.worker?.postMessage({ type: 'appended' } satisfies ToWorker);
    });
  }

  /** Starts a thread; settles once it reports that it follows the log, or dies before that. */
  private spawn(): Promise<void> {
    const workerData: ProjectionWorkerData = {
      dataDir: this.options.dataDir,
      traced: tracingActive(),
      batchSize: this.batchSize,
      ...(this.options.retryDelayMs === undefined ? {} : { retryDelayMs: this.options.retryDelayMs }),
      ...(this.options.pollIntervalMs === undefined ? {} : { pollIntervalMs: this.options.pollIntervalMs }),
    };
    const worker = startWorkerThread('projection.worker', { workerData });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let following = false;
      worker.on('message', (message: FromWorker) => {
        this.receive(message);
        if (message.type === 'status' && !following) {
          following = true;
          resolve();
        }
      });
      const died = (error: Error) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        if (!following) reject(error);
        else if (!this.stopping) this.restartAfter(error);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`the projection thread exited with code ${code}`)));
    });
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'status':
        this.latest = message.status;
        this.heap = message.heap;
        this.waiters.moved();
        return;
      case 'log':
        this.options.logger?.[message.level](message.msg, message.fields);
        return;
      case 'traced': {
        const spans = startProjectSpans(message.events, message.batchSize, message.startedAt);
        spans.end(message.error === undefined ? undefined : new Error(message.error), message.endedAt);
        return;
      }
      case 'stopped':
        return;
    }
  }

  /** A thread died (out of memory, a native fault): readiness says so, and a new one takes over from the checkpoint. */
  private restartAfter(error: Error): void {
    if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    const failures = (this.latest.lastError?.failures ?? 0) + 1;
    const delayMs = Math.min(5_000, (this.options.restartDelayMs ?? 1_000) * 2 ** (failures - 1));
    this.latest = { ...this.latest, running: false, lastError: { message: `the projection thread stopped: ${error.message}`, at: Date.now(), failures } };
    this.options.logger?.error('projection thread stopped; starting another', { position: this.latest.position, error: error.message, failures, restartInMs: delayMs, batchSize: this.batchSize });
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.spawn().catch((failed: unknown) => this.restartAfter(failed instanceof Error ? failed : new Error(String(failed))));
    }, delayMs);
  }
}

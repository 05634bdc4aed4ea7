// Fits in worker threads, so that fitting 20,000 customers (a second or so of
// CPU per model) leaves the event loop to answer requests, and the models of
// one view fit side by side on separate cores. Work computed ahead (a
// background job, see AnalyticsWarmer) never makes an analyst wait: a job
// someone asks for goes first, and if every worker is busy with background
// work, one more worker starts for it.
import type { Worker } from 'node:worker_threads';
import type { FitJob, FitJobResult, FitPriority, ModelFitter } from '@rapport/analytics';
import type { FitReply, FitRequest } from './model-fit.worker';
import { startWorkerThread, type ThreadHeap, type ThreadHeapSource } from './worker-thread';

interface Queued {
  readonly id: number;
  readonly job: FitJob;
  priority: FitPriority;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** A job sent to its worker: its input is the worker's copy now, and is not held here any longer. */
type Running = Omit<Queued, 'job'>;

interface Slot {
  readonly worker: Worker;
  running: Running | undefined;
  /** Set while the worker is idle: when it fires, the worker goes. */
  idleTimer?: NodeJS.Timeout;
  /** Its heap after its last job. */
  heap?: ThreadHeap;
}

export interface WorkerModelFitterOptions {
  /**
   * A worker idle this long (ms, default 30,000) goes, and its heap with it;
   * the next job starts one again. Fits come in waves, after changes to the
   * purchases.
   */
  readonly idleMs?: number;
  /**
   * Background jobs (work computed ahead) run on at most this many workers at
   * once (default 1, at most `size`). Refits after each change to the
   * purchases are background work and come steadily while events arrive:
   * on one worker they keep one worker's heap alive, not every worker's
   * (about 100 MiB resident each). Jobs someone waits for still spread over
   * every worker.
   */
  readonly backgroundWorkers?: number;
  /**
   * The cap on each worker's young generation, in MiB (default 8). A fit
   * makes short-lived objects in bursts, and V8's default lets the young
   * generation of a thread grow to tens of MiB that stay resident: measured
   * with a worker fitting BG/NBD, Gamma-Gamma and the covariance of 100,000
   * customers, the process's RSS during the jobs was 140–163 MiB by default
   * and 110–120 MiB with 8, in the same time (2.5 s and 2.2 s).
   */
  readonly youngGenerationMb?: number;
}

const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_YOUNG_GENERATION_MB = 8;

/** A fit job failed in its worker (the worker threw, or died under it). */
export class FitWorkerError extends Error {
  override readonly name = 'FitWorkerError';
}

export class WorkerModelFitter implements ModelFitter, ThreadHeapSource {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  /** Each waiting job's id by its promise, for promote(); an id, so that a cached answer does not hold its job's input. */
  private readonly byPromise = new WeakMap<Promise<unknown>, number>();
  private nextId = 0;
  private closed = false;

  private readonly idleMs: number;
  private readonly backgroundWorkers: number;
  private readonly youngGenerationMb: number;

  /** `size` workers for any job; one more starts only for a job asked for while all of them run background work. */
  constructor(
    readonly size: number,
    options: WorkerModelFitterOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a WorkerModelFitter needs at least one worker; got ${size}`);
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    if (!(this.idleMs > 0) || this.idleMs > 2 ** 31 - 1) throw new RangeError(`idleMs must be a positive number of ms a timer can wait; got ${this.idleMs}`);
    this.backgroundWorkers = Math.min(size, options.backgroundWorkers ?? 1);
    if (!Number.isInteger(this.backgroundWorkers) || this.backgroundWorkers < 1) throw new RangeError(`backgroundWorkers must be a whole number ≥ 1; got ${options.backgroundWorkers}`);
    this.youngGenerationMb = options.youngGenerationMb ?? DEFAULT_YOUNG_GENERATION_MB;
    if (!(this.youngGenerationMb >= 1) || !Number.isFinite(this.youngGenerationMb)) throw new RangeError(`youngGenerationMb must be at least 1; got ${options.youngGenerationMb}`);
  }

  run<J extends FitJob>(job: J, priority: FitPriority = 'asked'): Promise<FitJobResult[J['kind']]> {
    if (this.closed) return Promise.reject(new FitWorkerError('the fit workers are closed'));
    let queued: Queued | undefined;
    const promise = new Promise<FitJobResult[J['kind']]>((resolve, reject) => {
      queued = { id: ++this.nextId, job, priority, resolve: resolve as (value: unknown) => void, reject };
    });
    this.queue.push(queued!);
    this.byPromise.set(promise, queued!.id);
    this.dispatch();
    return promise;
  }

  /** Someone now waits for this background job: it goes before the other background work. */
  promote(pending: Promise<unknown>): void {
    const id = this.byPromise.get(pending);
    const queued = this.queue.find((q) => q.id === id) ?? this.slots.find((s) => s.running?.id === id)?.running;
    if (!queued || queued.priority === 'asked') return;
    queued.priority = 'asked';
    this.dispatch();
  }

  /** Jobs running, by worker, and jobs waiting: what a test or a metric reads. */
  get load(): { running: FitPriority[]; waiting: number } {
    return { running: this.slots.flatMap((s) => (s.running ? [s.running.priority] : [])), waiting: this.queue.length };
  }

  /** Workers started and not gone. */
  get workers(): number {
    return this.slots.length;
  }

  /** Each running worker's heap after its last job, as `model-fit-<n>`: the n-th of the workers running now. */
  threadHeaps(): readonly ThreadHeap[] {
    return this.slots.flatMap((slot, i) => (slot.heap ? [{ ...slot.heap, thread: `model-fit-${i + 1}` }] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.reject(new FitWorkerError('the fit workers are closed'));
    for (const slot of this.slots) clearTimeout(slot.idleTimer);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** Starts what can start: asked-for jobs first, in order; background jobs only on the regular workers, at most backgroundWorkers at once. */
  private dispatch(): void {
    for (;;) {
      const index = this.queue.findIndex((q) => q.priority === 'asked');
      const next = index >= 0 ? index : 0;
      const job = this.queue[next];
      if (!job) return;
      const slot = this.idleSlot(job.priority);
      if (!slot) return;
      this.queue.splice(next, 1);
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      const { job: input, ...running } = job;
      slot.running = running;
      const request: FitRequest = { id: job.id, job: input };
      slot.worker.ref();
      slot.worker.postMessage(request);
    }
  }

  private idleSlot(priority: FitPriority): Slot | undefined {
    const idle = this.slots.find((s) => !s.running);
    const regular = this.slots.length < this.size;
    if (priority === 'background') {
      if (this.slots.filter((s) => s.running?.priority === 'background').length >= this.backgroundWorkers) return undefined;
      return idle ?? (regular ? this.start() : undefined);
    }
    if (idle) return idle;
    // Every worker is busy: a regular one starts, or, when all of them run background work, one more.
    const allBackground = this.slots.every((s) => s.running?.priority === 'background');
    return regular || (allBackground && this.slots.length === this.size) ? this.start() : undefined;
  }

  private start(): Slot {
    const worker = startWorkerThread('model-fit.worker', { resourceLimits: { maxYoungGenerationSizeMb: this.youngGenerationMb } });
    // An idle worker does not keep the process alive.
    worker.unref();
    const slot: Slot = { worker, running: undefined };
    this.slots.push(slot);
    worker.on('message', (reply: FitReply) => {
      slot.heap = reply.heap;
      const job = slot.running;
      if (!job || job.id !== reply.id) return;
      slot.running = undefined;
      worker.unref();
      if (reply.ok) job.resolve(reply.result);
      else job.reject(new FitWorkerError(reply.error));
      this.retireExtra(slot);
      this.dispatch();
      if (!slot.running && this.slots.includes(slot)) this.retireWhenIdle(slot);
    });
    const fail = (error: Error) => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      clearTimeout(slot.idleTimer);
      this.slots.splice(at, 1);
      slot.running?.reject(new FitWorkerError(`the fit worker stopped: ${error.message}`));
      slot.running = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return slot;
  }

  /** An idle worker goes after idleMs, unless a job came for it meanwhile. */
  private retireWhenIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    if (this.closed) return;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      const at = this.slots.indexOf(slot);
      if (at < 0 || slot.running) return;
      this.slots.splice(at, 1);
      void slot.worker.terminate();
    }, this.idleMs);
    slot.idleTimer.unref();
  }

  /** The extra worker goes once it is idle and the regular ones are enough again. */
  private retireExtra(slot: Slot): void {
    if (this.slots.length <= this.size) return;
    const at = this.slots.indexOf(slot);
    this.slots.splice(at, 1);
    void slot.worker.terminate();
  }
}

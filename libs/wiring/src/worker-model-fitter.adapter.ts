// Fits in worker threads, so that fitting 20,000 customers (a second or two
// of CPU per model) leaves the event loop to answer requests, and the models
// of one view fit side by side on separate cores.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FitJob, FitJobResult, ModelFitter } from '@rapport/analytics';
import type { FitReply, FitRequest } from './model-fit.worker';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** A fit job failed in its worker (the worker threw, or died under it). */
export class FitWorkerError extends Error {
  override readonly name = 'FitWorkerError';
}

// Run from TypeScript sources (npm start, tests), the worker loads them through the same SWC hook.
const WORKER_FILE = path.join(__dirname, `model-fit.worker${path.extname(__filename)}`);
const SOURCE_HOOK = ['-r', '@swc-node/register'];

export class WorkerModelFitter implements ModelFitter {
  private readonly slots: (Slot | undefined)[];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a WorkerModelFitter needs at least one worker; got ${size}`);
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  run<J extends FitJob>(job: J): Promise<FitJobResult[J['kind']]> {
    if (this.closed) return Promise.reject(new FitWorkerError('the fit workers are closed'));
    const slot = this.leastBusy();
    const id = ++this.nextId;
    return new Promise<FitJobResult[J['kind']]>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const request: FitRequest = { id, job };
      slot.worker.ref();
      slot.worker.postMessage(request);
    });
  }

  /** Jobs waiting or running, by worker: what a test or a metric reads. */
  get busy(): number[] {
    return this.slots.map((s) => s?.pending.size ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot?.worker.terminate()));
  }

  /** The worker with the fewest jobs, started on first use and restarted after it died. */
  private leastBusy(): Slot {
    let best = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) return (this.slots[i] = this.start(i));
      if (slot.pending.size < this.slots[best]!.pending.size) best = i;
    }
    return this.slots[best]!;
  }

  private start(index: number): Slot {
    const fromSources = WORKER_FILE.endsWith('.ts');
    const inherited = process.execArgv.some((arg) => arg.includes('@swc-node/register'));
    const worker = new Worker(WORKER_FILE, { ...(fromSources && !inherited ? { execArgv: [...process.execArgv, ...SOURCE_HOOK] } : {}) });
    // An idle worker does not keep the process alive; a job in hand does (its promise is awaited).
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: FitReply) => {
      const waiting = slot.pending.get(reply.id);
      if (!waiting) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(new FitWorkerError(reply.error));
    });
    const fail = (error: Error) => {
      if (this.slots[index] === slot) this.slots[index] = undefined;
      for (const waiting of slot.pending.values()) waiting.reject(new FitWorkerError(`the fit worker stopped: ${error.message}`));
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return slot;
  }
}

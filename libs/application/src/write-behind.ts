// Commits to a document store behind the caller, in the order they were
// asked for. A caller that keeps its own index of what it wrote (the playbook
// runner's due times) goes on at once; one that needs its write on disk
// before it moves on (a checkpoint) awaits it, and since commits land in
// order, everything asked before it is on disk too. After a crash the store
// therefore holds a prefix of what was asked: never a checkpoint without the
// writes before it.
//
// Commits waiting together go as one (their writes in order, each checkpoint
// at its furthest), so a slow store is asked fewer, larger commits while the
// caller decides the next ones. A failed commit is tried again, with a
// growing pause, until it lands or the writer is closed: nothing after it may
// land first.
import { sleep, type StructuredLogger } from '@rapport/config';
import type { Checkpoint, DocumentStore, Write, WriteBatch } from '@rapport/document-store';

export interface WriteBehindOptions {
  /** Writes one commit may merge (the store slices a commit further itself). */
  readonly mergeUpTo?: number;
  /** Pause before the first retry; it doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** A commit still not on disk after this long is logged once (default 30 s): a slow store shows before anyone waits on it for good. */
  readonly slowCommitMs?: number;
  readonly logger?: StructuredLogger;
}

interface Pending {
  readonly batch: WriteBatch;
  readonly settle: { resolve(): void; reject(error: unknown): void };
}

export class WriteBehind {
  private queue: Pending[] = [];
  private queuedWrites = 0;
  private worker: Promise<void> | undefined;
  private closing = false;
  private wakeRetry = new AbortController();
  private readonly drained = new Set<() => void>();
  /** When the commit now going to the store was first sent (performance.now()), undefined while none is. */
  private landingSince: number | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly options: WriteBehindOptions = {},
  ) {}

  /** Writes asked for and not yet on disk. */
  get behind(): number {
    return this.queuedWrites;
  }

  /** How long the commit now going to the store has taken so far, retries included: 0 while none is. */
  get landingMs(): number {
    return this.landingSince === undefined ? 0 : performance.now() - this.landingSince;
  }

  /** Queues the commit; the promise settles when it is on disk (or the writer closed first). */
  commit(batch: WriteBatch): Promise<void> {
    if (this.closing) return Promise.reject(new Error('write-behind: closed'));
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, settle: { resolve, reject } });
    });
    this.queuedWrites += batch.writes.length;
    this.kick();
    return done;
  }

  /** Queues the commit without waiting for it (its failure is the writer's to retry, not the caller's). */
  commitBehind(batch: WriteBatch): void {
    this.commit(batch).catch(() => undefined);
  }

  /** Waits until fewer than `limit` writes are behind: how a fast caller keeps a slow store's queue bounded. */
  async room(limit: number): Promise<void> {
    while (this.queuedWrites >= limit && this.worker) await this.settled();
  }

  /** Waits until everything asked so far is on disk. */
  async flush(): Promise<void> {
    while (this.worker) await this.settled();
  }

  /**
   * Lands what it can, refusing new commits meanwhile: a commit that fails
   * once closing is given up, with everything after it. Then takes commits again.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeRetry.abort();
    try {
      await this.flush();
    } finally {
      this.closing = false;
      this.wakeRetry = new AbortController();
    }
  }

  private kick(): void {
    if (this.worker) return;
    this.worker = this.work().finally(() => {
      this.worker = undefined;
      // Asked for after the worker's last look at the queue: a new worker takes it.
      if (this.queue.length > 0) this.kick();
      this.wake();
    });
  }

  private wake(): void {
    for (const wake of this.drained) wake();
    this.drained.clear();
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.drained.add(resolve));
  }

  private async work(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.take();
      const batch = merged(taken.map((p) => p.batch));
      const landed = await this.land(batch);
      this.queuedWrites -= batch.writes.length;
      for (const { settle } of taken) {
        if (landed === true) settle.resolve();
        else settle.reject(landed);
      }
      if (landed !== true) {
        // Closing and the store refused: nothing after it may land out of order.
        for (const { settle } of this.queue) settle.reject(landed);
        this.queue = [];
        this.queuedWrites = 0;
      }
      // Whoever waits for room looks again after each commit.
      this.wake();
    }
  }

  /** The queue's head: as many waiting commits as fit in one, and at least one. */
  private take(): Pending[] {
    const limit = this.options.mergeUpTo ?? 2_000;
    let writes = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || writes + this.queue[count]!.batch.writes.length <= limit)) {
      writes += this.queue[count]!.batch.writes.length;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** True once the batch is on disk; the error if the writer is closing and the store refused it. */
  private async land(batch: WriteBatch): Promise<true | unknown> {
    let pause = this.options.retryMs ?? 100;
    let attempt = 0;
    this.landingSince = performance.now();
    const slowMs = this.options.slowCommitMs ?? 30_000;
    const slow = setTimeout(() => {
      this.options.logger?.warn('write-behind: a commit is still not on disk; everything asked after it waits', { writes: batch.writes.length, waitedMs: slowMs, attempts: attempt });
    }, slowMs);
    slow.unref();
    try {
      for (attempt = 1; ; attempt++) {
        try {
          await this.store.commit(batch);
          if (attempt > 1) this.options.logger?.info('write-behind: the store took the commit again', { attempts: attempt });
          return true;
        } catch (error) {
          if (this.closing) return error;
          if (attempt === 1) this.options.logger?.warn('write-behind: the store refused a commit; retrying it before anything after it', { writes: batch.writes.length, error: error instanceof Error ? error.message : String(error) });
          await sleep(pause, this.wakeRetry.signal);
          pause = Math.min(pause * 2, this.options.maxRetryMs ?? 5_000);
        }
      }
    } finally {
      clearTimeout(slow);
      this.landingSince = undefined;
    }
  }
}

/** Commits one after another as one: their writes in order, each checkpoint at its furthest, every version they move. */
export function merged(batches: readonly WriteBatch[]): WriteBatch {
  if (batches.length === 1) return batches[0]!;
  const writes: Write[] = [];
  const checkpoints = new Map<string, number>();
  const versions = new Set<string>();
  let erasesPersonalData = false;
  for (const batch of batches) {
    writes.push(...batch.writes);
    for (const { name, position } of batch.checkpoints) checkpoints.set(name, Math.max(position, checkpoints.get(name) ?? -1));
    for (const version of batch.versions ?? []) versions.add(version);
    erasesPersonalData ||= batch.erasesPersonalData === true;
  }
  return {
    writes,
    checkpoints: [...checkpoints].map(([name, position]): Checkpoint => ({ name, position })),
    ...(versions.size > 0 ? { versions: [...versions] } : {}),
    ...(erasesPersonalData ? { erasesPersonalData } : {}),
  };
}

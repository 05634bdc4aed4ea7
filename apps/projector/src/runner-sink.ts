// The projector applies events through the very code path of embedded mode:
// ProjectionRunner.applyBatch (pure projections, per-customer revision guards,
// documents committed with their checkpoint). Two adaptations, both in a
// ReadStore decorator:
//   - errors of the store are told apart from errors of the projections, so a
//     store outage is retried while a bad event is dead-lettered;
//   - checkpoints become change stamps. Kafka partitions interleave log
//     positions, so "the position of the last event applied" can go down from
//     one commit to the next, and a $max checkpoint would then not move. The
//     analytics caches are keyed by these checkpoints (customer-views,
//     purchases), so each commit moves them to max(position, stored + 1): a
//     value that still never falls behind the positions applied and changes
//     whenever the read models do;
//   - writes are sequenced and sliced: timeline entries first, then customer
//     documents with their facts, then the checkpoints, each step in slices of
//     at most `writeSlice` statements, one commit at a time per process.
//     Timeline first, because the runner skips an event whose customer and
//     facts documents are already at its revision, so a timeline entry written
//     after them would be lost if the process died in between (MongoDB has no
//     multi-document transaction here to make the three one). Slices, because
//     FerretDB 1.24 (SQLite backend) holds one pooled connection per update
//     statement until its command ends and deadlocks for good once about 100
//     are in flight on one database (docs/distributed.md); with real MongoDB
//     the slice can be raised (RAPPORT_PROJECTOR_WRITE_SLICE).
import { ProjectionRunner } from '@rapport/application';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import { ProjectionFailure, type ProjectionSink } from '@rapport/messaging';
import type { Checkpoint, CustomerListQuery, ProjectionBatch, ReadStore, TimelineQuery } from '@rapport/read-store';

/** A read-store call failed: the store, not the events, is at fault. */
export class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreFailure(error);
  }
}

export interface ProjectorReadStoreOptions {
  /** Most update statements one write may carry. Default 24. */
  readonly writeSlice?: number;
}

/** The ReadStore the projector's runner writes through. */
export class ProjectorReadStore implements ReadStore {
  private readonly slice: number;
  /** One commit at a time per process (see the header). */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReadStore,
    options: ProjectorReadStoreOptions = {},
  ) {
    this.slice = Math.max(2, options.writeSlice ?? 24);
  }

  getCustomer(customerId: string) {
    return guarded(() => this.store.getCustomer(customerId));
  }
  getCustomers(customerIds: readonly string[]) {
    return guarded(() => this.store.getCustomers(customerIds));
  }
  listCustomers(query: CustomerListQuery) {
    return guarded(() => this.store.listCustomers(query));
  }
  getTimeline(customerId: string, query: TimelineQuery) {
    return guarded(() => this.store.getTimeline(customerId, query));
  }
  getFacts(customerIds: readonly string[]) {
    return guarded(() => this.store.getFacts(customerIds));
  }
  scanFacts() {
    return this.store.scanFacts();
  }
  getCheckpoint(name: string) {
    return guarded(() => this.store.getCheckpoint(name));
  }
  reset() {
    return guarded(() => this.store.reset());
  }
  close() {
    return this.store.close();
  }

  commit(batch: ProjectionBatch): Promise<void> {
    const run = () => guarded(() => this.write(batch));
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async write(batch: ProjectionBatch): Promise<void> {
    // A checkpoint at -1 never moves a $max checkpoint: the intermediate slices carry that.
    const none: Pick<ProjectionBatch, 'checkpoint'> = { checkpoint: { name: batch.checkpoint.name, position: -1 } };
    for (const timeline of slices(batch.timeline, this.slice)) {
      await this.store.commit({ customers: [], facts: [], timeline, ...none });
    }
    const half = Math.floor(this.slice / 2);
    const customers = slices(batch.customers, half);
    const facts = slices(batch.facts, half);
    for (let i = 0; i < Math.max(customers.length, facts.length); i++) {
      await this.store.commit({ customers: customers[i] ?? [], facts: facts[i] ?? [], timeline: [], ...none });
    }
    const stamp = async (checkpoint: Checkpoint): Promise<Checkpoint> => ({
      name: checkpoint.name,
      position: Math.max(checkpoint.position, (await this.store.getCheckpoint(checkpoint.name)) + 1),
    });
    const [checkpoint, ...alsoAdvance] = await Promise.all([batch.checkpoint, ...(batch.alsoAdvance ?? [])].map(stamp));
    await this.store.commit({ customers: [], facts: [], timeline: [], checkpoint: checkpoint!, ...(alsoAdvance.length > 0 ? { alsoAdvance } : {}) });
  }
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The projector has no event log: it is fed from Kafka. */
const NO_LOG: EventStore = new Proxy({} as EventStore, {
  get(_target, property) {
    if (property === 'then') return undefined;
    return () => {
      throw new Error(`the projector reads Kafka, not the event log (EventStore.${String(property)})`);
    };
  },
});

export class RunnerSink implements ProjectionSink {
  private readonly runner: ProjectionRunner;

  constructor(readStore: ReadStore, options: ProjectorReadStoreOptions = {}) {
    this.runner = new ProjectionRunner(NO_LOG, new ProjectorReadStore(readStore, options));
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.runner.applyBatch(events);
    } catch (error) {
      if (error instanceof StoreFailure) throw error.original;
      throw new ProjectionFailure('projection failed', { cause: error });
    }
  }
}

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
//     whenever the read models do. Commits are sequenced, one at a time per
//     process, so two of them never read the same stored stamp.
// Ordering and slicing of the writes (timeline first; bulk writes small enough
// for FerretDB) are MongoReadStore's own (libs/read-store).
import { ProjectionRunner } from '@rapport/application';
import { SealedValueError, type EventStore, type PersonalDataVault, type RecordedEvent } from '@rapport/event-store';
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

/** The ReadStore the projector's runner writes through. */
export class ProjectorReadStore implements ReadStore {
  /** One commit at a time per process (see the header). */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: ReadStore) {}

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
    const stamp = async (checkpoint: Checkpoint): Promise<Checkpoint> => ({
      name: checkpoint.name,
      position: Math.max(checkpoint.position, (await this.store.getCheckpoint(checkpoint.name)) + 1),
    });
    const [checkpoint, ...alsoAdvance] = await Promise.all([batch.checkpoint, ...(batch.alsoAdvance ?? [])].map(stamp));
    await this.store.commit({ ...batch, checkpoint: checkpoint!, ...(alsoAdvance.length > 0 ? { alsoAdvance } : {}) });
  }
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

  constructor(
    readStore: ReadStore,
    /** Opens the sealed personal fields the topic carries; erased ones stay out of the read models. */
    private readonly vault: PersonalDataVault,
  ) {
    this.runner = new ProjectionRunner(NO_LOG, new ProjectorReadStore(readStore));
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.runner.applyBatch(await this.open(events));
    } catch (error) {
      if (error instanceof StoreFailure) throw error.original;
      throw new ProjectionFailure('projection failed', { cause: error });
    }
  }

  /** A key store outage is retried like any store failure; a value that does not open is a bad event. */
  private async open(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    try {
      return await this.vault.open(events);
    } catch (error) {
      if (error instanceof SealedValueError) throw error;
      throw new StoreFailure(error);
    }
  }
}

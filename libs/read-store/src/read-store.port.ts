// The read-model port. Adapters: embedded (SQLite file beside the log) and
// MongoDB; both must pass the contract suite in ./testing.
import type { Stage } from '@rapport/domain';
import type { CustomerFacts, CustomerView, TimelineEntry } from '@rapport/projections';

export interface CustomerListQuery {
  readonly stage?: Stage;
  /** Only these customers (e.g. an RFM segment's members). */
  readonly customerIds?: readonly string[];
  /** Case-insensitive substring of customerId, name or email. */
  readonly q?: string;
  readonly limit: number;
  /** Opaque cursor from the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Cursor of the next page, or null on the last page. */
  readonly nextCursor: string | null;
}

export interface TimelineQuery {
  readonly limit: number;
  readonly cursor?: string;
}

/** One atomic unit of projection work: documents and the checkpoint they reach. */
export interface ProjectionBatch {
  readonly customers: readonly CustomerView[];
  readonly timeline: readonly TimelineEntry[];
  readonly facts: readonly CustomerFacts[];
  readonly checkpoint: Checkpoint;
  /** Further checkpoints this batch moves, e.g. the position of the last purchase, which keys analytics caches. */
  readonly alsoAdvance?: readonly Checkpoint[];
  /**
   * Customers whose personal data this batch erases: the adapter must leave no
   * copy of the replaced documents in its files (free pages, journals).
   */
  readonly erasedCustomers?: readonly string[];
}

export interface Checkpoint {
  readonly name: string;
  readonly position: number;
}

export interface ReadStore {
  getCustomer(customerId: string): Promise<CustomerView | undefined>;
  getCustomers(customerIds: readonly string[]): Promise<Map<string, CustomerView>>;
  listCustomers(query: CustomerListQuery): Promise<Page<CustomerView>>;
  /** Entries by occurredAt, then revision. */
  getTimeline(customerId: string, query: TimelineQuery): Promise<Page<TimelineEntry>>;
  getFacts(customerIds: readonly string[]): Promise<Map<string, CustomerFacts>>;
  /** Every customer's analytics facts, in customerId order, without holding them all in memory at once. */
  scanFacts(): AsyncIterable<CustomerFacts>;
  /** Writes the batch and the checkpoint atomically; re-writing the same documents is harmless. */
  commit(batch: ProjectionBatch): Promise<void>;
  /** Last committed position of a projection, or -1. */
  getCheckpoint(name: string): Promise<number>;
  /** Drops every read model and checkpoint (for a rebuild). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this server issued');
  }
}

// The event log port. Adapters: SQLite (embedded) and EventStoreDB (distributed);
// both must pass the contract suite in ./testing.
import type { CustomerEventType, EventMetadata } from '@rapport/domain';

/** `any`: append whatever the stream holds; `no_stream`: the stream must not exist; n: its last revision must be n. */
export type ExpectedRevision = 'any' | 'no_stream' | number;

/** An event to append; the log assigns revision, position, recordedAt and hash. */
export interface NewEvent<T extends string = CustomerEventType> {
  readonly eventId: string;
  readonly type: T;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /**
   * Version of the type's payload schema that `data` follows, as the writer
   * recorded it (today's writers stamp `currentSchemaVersion`). Absent or 1:
   * version 1, recorded as no version at all (see RecordedEvent).
   */
  readonly schemaVersion?: number;
}

/** An event as the log recorded it: the envelope of SPEC section 3 plus the chain hash. */
export interface RecordedEvent<T extends string = CustomerEventType> {
  readonly eventId: string;
  readonly type: T;
  /** The stream's id: the customer's (or, in a log of another category, that stream's own id). */
  readonly customerId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  /** 0-based position in the customer's stream. */
  readonly revision: number;
  /** Position in the whole log: strictly increasing in record order. */
  readonly position: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /**
   * Version of `data`'s schema, present only from 2 on: version 1 is recorded
   * as no version, so every event hashed before versions existed still
   * verifies and the envelope shows exactly what the hash covers. Read it with
   * `schemaVersionOf`. Readers of domain events never see an old version:
   * upcasting happens on the way to them.
   */
  readonly schemaVersion?: number;
  /** Hex SHA-256 of previousHash ‖ canonical JSON (SPEC section 7). */
  readonly hash: string;
}

/** The schema version of a recorded event: 1 when it records none. */
export function schemaVersionOf(event: Pick<RecordedEvent, 'schemaVersion'>): number {
  return event.schemaVersion ?? 1;
}

/** What the writer knows of the stream beyond `expected`. */
export interface AppendOptions {
  /**
   * Revision of the stream's latest `personal_data_erased`, from the state the
   * append was decided on: personal data appended now is sealed with a key made
   * after it, never with one the erasure is still to destroy.
   */
  readonly lastErasureRevision?: number;
}

export interface AppendResult<T extends string = CustomerEventType> {
  /** Revision of the last event now in the stream. */
  readonly nextExpectedRevision: number;
  /** The events recorded by this append, in order. */
  readonly events: readonly RecordedEvent<T>[];
}

export interface ReadStreamOptions {
  readonly direction?: 'forward' | 'backward';
  /** Inclusive; forward default 0, backward default the last revision. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

/** One stream's events from a revision on (inclusive), as one request of a `readStreams`. */
export interface StreamTail {
  readonly customerId: string;
  readonly fromRevision: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: from the start. */
  readonly after?: number;
  readonly maxCount?: number;
}

export interface FollowOptions {
  /** Exclusive start position; follow from the start when omitted. */
  readonly after?: number;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface EventStore<T extends string = CustomerEventType> {
  /**
   * Appends atomically: all events or none. Throws WrongExpectedRevisionError
   * when `expected` does not hold and DuplicateEventIdError when an eventId is
   * already in the log (nothing is recorded in either case).
   */
  append(customerId: string, events: readonly NewEvent<T>[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult<T>>;
  /** Events of one customer's stream; an unknown stream reads as empty. */
  readStream(customerId: string, options?: ReadStreamOptions): Promise<RecordedEvent<T>[]>;
  /**
   * Several streams' tails in one read, for a writer deciding for many customers at once. Each
   * request's stream maps to its events from `fromRevision` on, in revision order ([] when it has
   * none), for as long as the whole answer holds at most `maxEvents` events: a stream the answer
   * leaves out was not read whole, and is read alone.
   */
  readStreams(requests: readonly StreamTail[], maxEvents: number): Promise<Map<string, RecordedEvent<T>[]>>;
  /** Events of every stream in log order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent<T>[]>;
  /** Batches of events after a position, then new ones as they are recorded, until the signal aborts. */
  follow(options?: FollowOptions): AsyncIterable<RecordedEvent<T>[]>;
  /** The recorded event with this id, wherever it is. */
  findByEventId(eventId: string): Promise<RecordedEvent<T> | undefined>;
  /** Position of the last recorded event, or -1 when the log is empty. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The adapters store type names as given, whatever they are: a second log of
 * another stream category (the playbooks' definitions) is the same adapter
 * opened on its own file or stream prefix, seen with its own types. Its
 * writer checks what it appends, as the customer decider does for customers.
 */
export function logOfCategory<T extends string>(store: EventStore): EventStore<T> {
  return store as unknown as EventStore<T>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly customerId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`customer ${customerId}: expected revision ${String(expected)}, stream is at ${actual}`);
  }
}

export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventId: string) {
    super(`event ${eventId} is already recorded`);
  }
}

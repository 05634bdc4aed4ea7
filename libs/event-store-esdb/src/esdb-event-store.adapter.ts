// The distributed event log: EventStoreDB through @eventstore/db-client (gRPC).
// One stream per customer, `customer-<customerId>`; the envelope fields
// EventStoreDB does not hold natively travel in the event's JSON metadata; the
// hash chain is computed here, before the append, against the stream's last
// event. EventStoreDB has no uniqueness across streams, so eventIds are
// reserved in one small stream per id. The mapping and its costs are in
// docs/eventstoredb.md.
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type EventData,
  type JSONType,
  type Position as EsdbPosition,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import type { CustomerEventType, EventMetadata } from '@rapport/domain';
import {
  assertCustomerId,
  assertExpectedRevision,
  computeEventHash,
  DuplicateEventIdError,
  integer,
  nonNegativeInteger,
  normaliseNewEvent,
  positiveInteger,
  readStreamsWithin,
  WrongExpectedRevisionError,
  ZERO_HASH,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type FollowOptions,
  type NewEvent,
  type NormalisedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamTail,
} from '@rapport/event-store';
import { sleep } from '@rapport/config';

export interface EsdbEventStoreOptions {
  /** Prefix of the customer streams; the rest of the name is the customerId. Default `customer-` (SPEC section 3). */
  readonly customerStreamPrefix?: string;
  /** Prefix of the per-eventId reservation streams. Default `rapport-eventid-`. */
  readonly eventIdStreamPrefix?: string;
  /** Source of recordedAt, read once per append attempt. Default: the system clock. */
  readonly clock?: () => Date;
  /**
   * How long an eventId reservation whose event never landed blocks that id
   * before another append may take it over (a writer that died between the
   * reservation and the append). Default 30 s: well beyond the client's 10 s
   * deadline and the server's write timeout, so a reservation is never taken
   * from an append still in flight.
   */
  readonly reservationLeaseMs?: number;
  /** Batch size of follow() when the caller gives none. Default 500. */
  readonly defaultBatchSize?: number;
  /** Events per $all read request in readAll() and headPosition(). Default 500. */
  readonly readPageSize?: number;
  /** Attempts of an `any` append that keeps losing the race for the stream's head. Default 200. */
  readonly maxAppendAttempts?: number;
}

/** The event metadata of a customer event: the envelope fields ESDB has no place for, and the chain hash. */
interface StoredEnvelope {
  readonly customerId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly revision: number;
  /** The payload's schema version, from 2 on; absent (as in every envelope written before it existed) is version 1. */
  readonly schemaVersion?: number;
  readonly metadata: EventMetadata;
  readonly hash: string;
  /** Copies for EventStoreDB's own tooling ($by_correlation_id projection, UI); not read back. */
  readonly $correlationId?: string;
  readonly $causationId?: string;
}

const RESERVED = 'rapport.event-id-reserved';
const RELEASED = 'rapport.event-id-released';

interface Reservation {
  readonly eventId: string;
  readonly stream: string;
  /** Revision of our `reserved` event in the reservation stream. */
  readonly revision: bigint;
}

interface ReservationRecord {
  readonly revision: bigint;
  readonly kind: 'reserved' | 'released';
  /** For `reserved`: the customer stream the event is appended to, and when. */
  readonly stream?: string;
  readonly reservedAt?: string;
}


const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ESDB answers `unknown position` with 2^64 - 1; anything from 2^63 on is not a log offset. */
const FIRST_INVALID_POSITION = 1n << 63n;
const RESERVATION_CONCURRENCY = 32;
const RELEASED_HINTS = 10_000;
/** Stream reads in flight at once for a multi-stream read (readStreams). */
const CONCURRENT_READS = 32;

export class EsdbEventStore implements EventStore {
  private closed = false;
  /** Wakers of follow() loops, for close(). */
  private readonly waiters = new Set<() => void>();
  private readonly prefix: string;
  private readonly eventIdPrefix: string;
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly defaultBatchSize: number;
  private readonly pageSize: number;
  private readonly maxAppendAttempts: number;
  /**
   * Revision of the `released` event this store last wrote per eventId, so a
   * retry after a conflict reserves again in one write instead of three. Only
   * a hint: a stale one costs a failed compare-and-set and a read.
   */
  private readonly released = new Map<string, bigint>();

  /** The store owns the client: close() disposes it. */
  constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions = {},
  ) {
    this.prefix = options.customerStreamPrefix ?? 'customer-';
    this.eventIdPrefix = options.eventIdStreamPrefix ?? 'rapport-eventid-';
    if (this.prefix.length === 0 || this.eventIdPrefix.length === 0) throw new RangeError('stream prefixes must not be empty');
    if (this.prefix.startsWith('$') || this.eventIdPrefix.startsWith('$')) throw new RangeError('stream prefixes must not name system streams ($…)');
    if (this.eventIdPrefix.startsWith(this.prefix)) throw new RangeError('the eventId stream prefix must not fall under the customer stream prefix');
    this.clock = options.clock ?? (() => new Date());
    this.leaseMs = positiveInteger(options.reservationLeaseMs ?? 30_000, 'reservationLeaseMs');
    this.defaultBatchSize = positiveInteger(options.defaultBatchSize ?? 500, 'defaultBatchSize');
    this.pageSize = positiveInteger(options.readPageSize ?? 500, 'readPageSize');
    this.maxAppendAttempts = positiveInteger(options.maxAppendAttempts ?? 200, 'maxAppendAttempts');
  }

  /** Connects with an EventStoreDB connection string, e.g. `esdb://host:2113?tls=false` or `esdb+discover://…`. */
  static connect(connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  /** The stream name of a customer. */
  streamName(customerId: string): string {
    return `${this.prefix}${customerId}`;
  }

  // ---- append -----------------------------------------------------------------

  async append(customerId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertCustomerId(customerId);
    assertExpectedRevision(expected);
    const prepared = events.map(normalise);
    const seen = new Set<string>();
    for (const event of prepared) {
      if (seen.has(event.eventId)) throw new DuplicateEventIdError(event.eventId);
      seen.add(event.eventId);
    }

    const head = await this.head(customerId);
    const actual = head?.revision ?? -1;
    if (!holds(expected, actual)) {
      // Duplicates before conflicts, as in the SQLite adapter: a retried
      // conditional append whose first attempt landed reads as the duplicate
      // it is. Read-only, so a plain conflict costs no writes.
      await this.throwIfRecorded(prepared);
      throw new WrongExpectedRevisionError(customerId, expected, actual);
    }
    // Nothing to write: the expectation is checked by that read alone (an
    // empty write would still add a record to the server's log).
    if (prepared.length === 0) return { nextExpectedRevision: actual, events: [] };

    const reservations = await this.reserve(customerId, prepared);
    const attempt = { mayHaveWritten: false };
    try {
      return await this.appendReserved(customerId, prepared, expected, head, attempt);
    } catch (error) {
      // Release only when nothing can have been written; after a timeout or a
      // lost connection the outcome is unknown, and the reservation (read
      // against the customer stream, or its lease) settles it later.
      if (!attempt.mayHaveWritten) await this.release(reservations);
      throw error;
    }
  }

  /** Throws DuplicateEventIdError for the first event of the batch that is already recorded. */
  private async throwIfRecorded(events: readonly NormalisedEvent[]): Promise<void> {
    const recorded = await mapLimit(events, RESERVATION_CONCURRENCY, async (event) => (await this.lookUp(event.eventId)) !== undefined);
    const index = recorded.indexOf(true);
    if (index >= 0) throw new DuplicateEventIdError(events[index].eventId);
  }

  private async appendReserved(
    customerId: string,
    events: readonly NormalisedEvent[],
    expected: ExpectedRevision,
    firstHead: { revision: number; hash: string } | undefined,
    attempt: { mayHaveWritten: boolean },
  ): Promise<AppendResult> {
    const stream = this.streamName(customerId);
    for (let round = 1; ; round++) {
      this.assertOpen();
      const head = round === 1 ? firstHead : await this.head(customerId);
      const actual = head?.revision ?? -1;
      if (!holds(expected, actual)) throw new WrongExpectedRevisionError(customerId, expected, actual);

      // recordedAt is chosen here, before the write, because it is hashed.
      const recordedAt = this.clock().toISOString();
      let previousHash = head?.hash ?? ZERO_HASH;
      const pending = events.map((event, offset) => {
        const fields = { ...event, customerId, recordedAt, revision: actual + 1 + offset };
        const hash = computeEventHash(previousHash, fields);
        previousHash = hash;
        return { ...fields, hash };
      });

      // Always the exact head just read (or no stream), whatever the caller
      // expected: the hashes are only right on top of that head.
      const expectedRevision: AppendExpectedRevision = head ? BigInt(actual) : NO_STREAM;
      attempt.mayHaveWritten = true;
      try {
        await this.client.appendToStream(stream, pending.map((event) => this.toEventData(event)), { expectedRevision });
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        attempt.mayHaveWritten = false;
        if (expected !== 'any') throw new WrongExpectedRevisionError(customerId, expected, revisionNumber(error.actualVersion));
        if (round >= this.maxAppendAttempts) {
          throw new Error(`customer ${customerId}: gave up after ${round} attempts to append at the head of a contended stream`);
        }
        await sleep(backoffMs(round));
        continue;
      }

      // The append answers with the last event's position only; each event's
      // own position is read back (one more round trip).
      const positions = await this.readBackPositions(stream, actual + 1, pending.map((event) => event.eventId));
      return {
        nextExpectedRevision: actual + pending.length,
        events: pending.map((event, i) => ({ ...event, position: positions[i] })),
      };
    }
  }

  private toEventData(event: NormalisedEvent & { customerId: string; recordedAt: string; revision: number; hash: string }): EventData {
    const envelope: StoredEnvelope = {
      customerId: event.customerId,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      revision: event.revision,
      ...(event.schemaVersion !== undefined ? { schemaVersion: event.schemaVersion } : {}),
      metadata: event.metadata,
      hash: event.hash,
      ...(event.metadata.correlationId !== undefined ? { $correlationId: event.metadata.correlationId } : {}),
      ...(event.metadata.causationId !== undefined ? { $causationId: event.metadata.causationId } : {}),
    };
    return {
      id: event.eventId,
      contentType: 'application/json',
      type: event.type,
      // Any JSON value: the client writes JSON.stringify(data).
      data: event.data as JSONType,
      metadata: envelope as unknown as JSONType,
    };
  }

  private async readBackPositions(stream: string, fromRevision: number, eventIds: readonly string[]): Promise<number[]> {
    const read = await this.readStreamRaw(stream, FORWARDS, BigInt(fromRevision), eventIds.length);
    if (read.length !== eventIds.length || read.some((event, i) => event.id !== eventIds[i])) {
      throw new Error(`${stream}: the events read back from revision ${fromRevision} are not the ones just appended`);
    }
    return read.map((event) => this.positionOf(event));
  }

  // ---- eventId reservations -----------------------------------------------------

  /**
   * Reserves every eventId of an append: an event `reserved` in the stream
   * `<eventIdPrefix><eventId>`, written only if that stream does not exist or
   * ends with `released`. A reservation whose event is in its customer stream
   * means the id is taken (DuplicateEventIdError). One held by an append still
   * in flight is waited for; one older than the lease whose event never landed
   * is taken over. All or none: on a failure the ones taken are released.
   */
  private async reserve(customerId: string, events: readonly NormalisedEvent[]): Promise<Reservation[]> {
    const stream = this.streamName(customerId);
    const results = await mapLimit(events, RESERVATION_CONCURRENCY, (event) => settle(this.reserveOne(event.eventId, stream)));
    const taken = results.flatMap((result) => (result.ok ? [result.value] : []));
    const failure = results.find((result) => !result.ok);
    if (failure && !failure.ok) {
      await this.release(taken);
      throw failure.error;
    }
    return taken;
  }

  private async reserveOne(eventId: string, stream: string): Promise<Reservation> {
    const reservationStream = this.reservationStream(eventId);
    let expectedRevision: AppendExpectedRevision = this.released.get(eventId) ?? NO_STREAM;
    this.released.delete(eventId);
    for (let round = 1; ; round++) {
      this.assertOpen();
      try {
        const event: EventData = {
          id: randomUUID(),
          contentType: 'application/json',
          type: RESERVED,
          data: { stream, reservedAt: new Date().toISOString() },
          metadata: undefined,
        };
        const result = await this.client.appendToStream(reservationStream, event, { expectedRevision });
        return { eventId, stream: reservationStream, revision: result.nextExpectedRevision };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
      const last = await this.lastReservationRecord(reservationStream);
      if (!last) {
        expectedRevision = NO_STREAM;
        continue;
      }
      if (last.kind === 'released') {
        expectedRevision = last.revision;
        continue;
      }
      if (last.stream !== undefined && (await this.findInStream(last.stream, eventId))) throw new DuplicateEventIdError(eventId);
      const age = Date.now() - Date.parse(last.reservedAt ?? '');
      if (!(age < this.leaseMs)) {
        // The holder never landed its event within the lease: take the id over.
        expectedRevision = last.revision;
        continue;
      }
      // Another append of this id is in flight: it lands (a duplicate) or releases.
      await sleep(Math.min(backoffMs(round), this.leaseMs - age));
    }
  }

  /** Best effort: a reservation that cannot be released expires with its lease. */
  private async release(reservations: readonly Reservation[]): Promise<void> {
    await mapLimit(reservations, RESERVATION_CONCURRENCY, async (reservation) => {
      const event: EventData = { id: randomUUID(), contentType: 'application/json', type: RELEASED, data: {}, metadata: undefined };
      try {
        const result = await this.client.appendToStream(reservation.stream, event, { expectedRevision: reservation.revision });
        if (this.released.size >= RELEASED_HINTS) this.released.delete(this.released.keys().next().value!);
        this.released.set(reservation.eventId, result.nextExpectedRevision);
      } catch {
        // Someone took it over after the lease, or the server is gone: either way it is no longer ours.
      }
    });
  }

  private reservationStream(eventId: string): string {
    return `${this.eventIdPrefix}${eventId.toLowerCase()}`;
  }

  private async lastReservationRecord(stream: string): Promise<ReservationRecord | undefined> {
    const [last] = await this.readStreamRaw(stream, BACKWARDS, END, 1);
    if (!last) return undefined;
    if (last.type === RELEASED) return { revision: last.revision, kind: 'released' };
    const data = last.data as { stream?: unknown; reservedAt?: unknown } | null;
    if (last.type !== RESERVED || typeof data?.stream !== 'string' || typeof data.reservedAt !== 'string') {
      throw new Error(`${stream}@${last.revision} is not an eventId reservation`);
    }
    return { revision: last.revision, kind: 'reserved', stream: data.stream, reservedAt: data.reservedAt };
  }

  /** The event with this id in a customer stream: a forward scan of that one stream. */
  private async findInStream(stream: string, eventId: string): Promise<RecordedEvent | undefined> {
    if (!stream.startsWith(this.prefix)) return undefined;
    const id = eventId.toLowerCase();
    const found = (await this.readStreamRaw(stream, FORWARDS, START, Number.MAX_SAFE_INTEGER)).find((event) => event.id === id);
    return found && this.toRecordedEvent(found);
  }

  // ---- reads ----------------------------------------------------------------------

  async readStream(customerId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const maxCount = options.maxCount === undefined ? Number.MAX_SAFE_INTEGER : nonNegativeInteger(options.maxCount, 'maxCount');
    const backward = options.direction === 'backward';
    const from: ReadRevision =
      options.fromRevision === undefined ? (backward ? END : START) : BigInt(nonNegativeInteger(options.fromRevision, 'fromRevision'));
    // The server refuses a count of 0.
    if (maxCount === 0) return [];
    const events = await this.readStreamRaw(this.streamName(customerId), backward ? BACKWARDS : FORWARDS, from, maxCount);
    return events.map((event) => this.toRecordedEvent(event));
  }

  /** One read per stream, 32 in flight (the server has no multi-stream read; readStreamsWithin). */
  async readStreams(requests: readonly StreamTail[], maxEvents: number): Promise<Map<string, RecordedEvent[]>> {
    this.assertOpen();
    return readStreamsWithin(requests, maxEvents, ({ customerId, fromRevision }, maxCount) => this.readStream(customerId, { fromRevision, maxCount }), CONCURRENT_READS);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const after = options.after === undefined ? undefined : integer(options.after, 'after');
    const maxCount = options.maxCount === undefined ? Number.MAX_SAFE_INTEGER : nonNegativeInteger(options.maxCount, 'maxCount');
    return this.readAllAfter(after, maxCount);
  }

  /**
   * $all forwards from `after`, keeping the customer streams. A read from a
   * position includes the event at it, so that one is skipped; events of
   * other streams (system events, reservations, other applications) cost a
   * read each but are not returned.
   */
  private async readAllAfter(after: number | undefined, maxCount: number): Promise<RecordedEvent[]> {
    const result: RecordedEvent[] = [];
    let last = after !== undefined && after >= 0 ? after : undefined;
    while (result.length < maxCount) {
      const from: ReadPosition = last === undefined ? START : { commit: BigInt(last), prepare: BigInt(last) };
      // Foreign events are interleaved (at least the reservations, one per
      // event), so ask for some more than still needed, up to a page.
      const requested = Math.min(this.pageSize, Math.max(16, 2 * (maxCount - result.length)));
      const page = await collect(this.client.readAll({ fromPosition: from, maxCount: requested, direction: FORWARDS }));
      for (const resolved of page) {
        const event = resolved.event;
        if (!event) continue;
        const position = this.positionOf(event);
        if (last !== undefined && position <= last) continue;
        last = position;
        if (!event.streamId.startsWith(this.prefix)) continue;
        result.push(this.toRecordedEvent(event));
        if (result.length >= maxCount) break;
      }
      if (page.length < requested) break;
    }
    return result;
  }

  async findByEventId(eventId: string): Promise<RecordedEvent | undefined> {
    this.assertOpen();
    if (typeof eventId !== 'string' || !UUID_PATTERN.test(eventId)) return undefined; // ESDB holds UUIDs only
    return this.lookUp(eventId);
  }

  /** The id's reservation names the customer stream; the event is there unless that append is still in flight or never landed. */
  private async lookUp(eventId: string): Promise<RecordedEvent | undefined> {
    const reservation = await this.lastReservationRecord(this.reservationStream(eventId));
    if (!reservation || reservation.kind === 'released' || reservation.stream === undefined) return undefined;
    return this.findInStream(reservation.stream, eventId);
  }

  /** $all backwards from the end, to the first customer event: one page unless other streams wrote a lot since. */
  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: ReadPosition = END;
    for (;;) {
      const page: AllStreamResolvedEvent[] = await collect(this.client.readAll({ fromPosition: from, maxCount: this.pageSize, direction: BACKWARDS }));
      for (const resolved of page) {
        if (resolved.event?.streamId.startsWith(this.prefix)) return this.positionOf(resolved.event);
      }
      const oldest: AllStreamResolvedEvent['event'] = page[page.length - 1]?.event;
      if (page.length < this.pageSize || !oldest?.position) return -1;
      // Backwards from a position returns what lies strictly before it.
      from = oldest.position;
    }
  }

  // ---- follow -----------------------------------------------------------------------

  /**
   * Catches up with $all reads in batches, then subscribes to $all filtered
   * server-side to the customer stream prefix, from the last position
   * delivered (a subscription starts strictly after it). Survives a lost
   * connection by subscribing again from there; ends on abort or close().
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<RecordedEvent[], void, undefined> {
    const batchSize = positiveInteger(options.batchSize ?? this.defaultBatchSize, 'batchSize');
    const { signal } = options;
    let after = options.after === undefined ? undefined : integer(options.after, 'after');
    const stopped = () => this.closed || signal?.aborted === true;

    while (!stopped()) {
      let batch: RecordedEvent[];
      try {
        batch = await this.readAllAfter(after, batchSize);
      } catch (error) {
        if (stopped()) return;
        throw error;
      }
      if (stopped()) return;
      if (batch.length > 0) {
        after = batch[batch.length - 1].position;
        yield batch;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (batch.length < batchSize) break;
    }

    let failures = 0;
    while (!stopped()) {
      const feed = new LiveFeed(this.subscribe(after), (event) => this.toRecordedEvent(event), after, batchSize * 4);
      const wake = () => feed.wake();
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
      try {
        for (;;) {
          const batch = await feed.next(batchSize, stopped);
          if (batch === undefined || stopped()) return;
          failures = 0;
          after = batch[batch.length - 1].position;
          yield batch;
        }
      } catch (error) {
        if (stopped()) return;
        if (!isTransient(error)) throw error;
        failures += 1;
      } finally {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        await feed.close();
      }
      await this.pause(backoffMs(failures + 4), signal);
    }
  }

  private subscribe(after: number | undefined): AllStreamSubscription {
    return this.client.subscribeToAll({
      fromPosition: after === undefined || after < 0 ? START : { commit: BigInt(after), prepare: BigInt(after) },
      filter: streamNameFilter({ prefixes: [this.prefix] }),
    });
  }

  /** Sleeps, but wakes early on abort or close. */
  private pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
    await this.client.dispose();
  }

  // ---- helpers ------------------------------------------------------------------------

  /** The stream's last revision and hash, undefined when it has no events. */
  private async head(customerId: string): Promise<{ revision: number; hash: string } | undefined> {
    const [last] = await this.readStreamRaw(this.streamName(customerId), BACKWARDS, END, 1);
    if (!last) return undefined;
    const event = this.toRecordedEvent(last);
    return { revision: event.revision, hash: event.hash };
  }

  /** A stream read; a stream that does not exist reads as empty. */
  private async readStreamRaw(stream: string, direction: typeof FORWARDS | typeof BACKWARDS, fromRevision: ReadRevision, maxCount: number): Promise<EsdbRecordedEvent[]> {
    try {
      const resolved = await collect(this.client.readStream(stream, { direction, fromRevision, maxCount }));
      return resolved.flatMap((r) => (r.event ? [r.event] : []));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  /** ESDB event → envelope. The stream name and the event number are ESDB's own; the metadata copies of them are not read. */
  private toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
    const where = `${event.streamId}@${event.revision}`;
    if (!event.streamId.startsWith(this.prefix)) throw new Error(`${where} is not in a customer stream`);
    if (!event.isJson) throw new Error(`${where} is not a JSON event`);
    const envelope = parseEnvelope(event.metadata, where);
    return {
      eventId: event.id,
      type: event.type as CustomerEventType,
      customerId: event.streamId.slice(this.prefix.length),
      occurredAt: envelope.occurredAt,
      recordedAt: envelope.recordedAt,
      revision: safeNumber(event.revision, `${where} revision`),
      position: this.positionOf(event),
      // An explicit 1 (another writer's) is the same recorded fact as none, and hashes the same.
      ...(envelope.schemaVersion !== undefined && envelope.schemaVersion !== 1 ? { schemaVersion: envelope.schemaVersion } : {}),
      data: event.data,
      metadata: envelope.metadata,
      hash: envelope.hash,
    };
  }

  /**
   * The commit position in $all: a byte offset into the server's transaction
   * log. Since 20.x every event commits itself, so its commit position is its
   * own prepare position, unique and increasing in log order.
   */
  private positionOf(event: EsdbRecordedEvent): number {
    const position: EsdbPosition | undefined = event.position;
    const value = position && position.commit < FIRST_INVALID_POSITION ? position.commit : position && position.prepare < FIRST_INVALID_POSITION ? position.prepare : undefined;
    if (value === undefined) {
      throw new Error(`${event.streamId}@${event.revision}: the server reported no $all position (EventStoreDB reports it on stream reads since 22.10)`);
    }
    return safeNumber(value, `${event.streamId}@${event.revision} position`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

// ---- live feed --------------------------------------------------------------------

/** Buffers a subscription's events for follow(), pausing the stream when the consumer falls behind. */
class LiveFeed {
  private readonly queue: RecordedEvent[] = [];
  private error: unknown;
  private ended = false;
  private paused = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly subscription: AllStreamSubscription,
    convert: (event: EsdbRecordedEvent) => RecordedEvent,
    private after: number | undefined,
    private readonly highWater: number,
  ) {
    subscription.on('data', (resolved) => {
      if (this.error !== undefined || !resolved.event) return;
      try {
        const event = convert(resolved.event);
        if (this.after !== undefined && event.position <= this.after) return;
        this.after = event.position;
        this.queue.push(event);
        if (this.queue.length >= this.highWater && !this.paused) {
          this.paused = true;
          subscription.pause();
        }
      } catch (error) {
        this.error = error;
      }
      this.wake();
    });
    subscription.on('error', (error) => {
      this.error ??= error;
      this.wake();
    });
    subscription.on('end', () => {
      this.ended = true;
      this.wake();
    });
    subscription.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** The next batch; undefined when stopped; throws the subscription's error once the queue is drained. */
  async next(max: number, stopped: () => boolean): Promise<RecordedEvent[] | undefined> {
    while (this.queue.length === 0) {
      if (stopped()) return undefined;
      if (this.error !== undefined) throw this.error;
      if (this.ended) throw new UnavailableError(undefined, 'the subscription ended');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    if (stopped()) return undefined;
    const batch = this.queue.splice(0, max);
    if (this.paused && this.queue.length < this.highWater / 2) {
      this.paused = false;
      this.subscription.resume();
    }
    return batch;
  }

  async close(): Promise<void> {
    try {
      await this.subscription.unsubscribe();
    } catch {
      // Already gone with its connection.
    }
  }
}

// ---- pure helpers -----------------------------------------------------------------

function holds(expected: ExpectedRevision, actual: number): boolean {
  return expected === 'any' || (expected === 'no_stream' ? actual === -1 : expected === actual);
}

function revisionNumber(version: bigint | 'no_stream' | string): number {
  return typeof version === 'bigint' ? safeNumber(version, 'revision') : -1;
}

/** Errors after which a subscription is simply opened again. */
function isTransient(error: unknown): boolean {
  return error instanceof UnavailableError || error instanceof CancelledError || error instanceof DeadlineExceededError;
}

/**
 * The event as it will read back from JSON: undefined members dropped,
 * undefined data as null, the eventId as the lower-case UUID ESDB stores.
 */
function normalise(event: NewEvent): NormalisedEvent {
  if (typeof event.eventId !== 'string' || !UUID_PATTERN.test(event.eventId)) {
    throw new TypeError(`eventId must be a UUID (EventStoreDB event ids are UUIDs), got ${JSON.stringify(event.eventId)}`);
  }
  return normaliseNewEvent(event, event.eventId.toLowerCase());
}

function parseEnvelope(metadata: unknown, where: string): StoredEnvelope {
  const envelope = metadata as Partial<StoredEnvelope> | undefined;
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    metadata instanceof Uint8Array ||
    typeof envelope.occurredAt !== 'string' ||
    typeof envelope.recordedAt !== 'string' ||
    typeof envelope.hash !== 'string' ||
    typeof envelope.metadata !== 'object' ||
    envelope.metadata === null ||
    Array.isArray(envelope.metadata)
  ) {
    throw new Error(`${where} does not carry a Rapport event envelope in its metadata`);
  }
  // A malformed stored hash is still returned, so verifyChain can name the revision.
  return envelope as StoredEnvelope;
}

function safeNumber(value: bigint, name: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${name} ${value} does not fit a JavaScript number`);
  return Number(value);
}

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `map` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Exponential with full jitter: up to 2, 4, 8 … 200 ms. */
function backoffMs(round: number): number {
  return Math.random() * Math.min(200, 2 ** Math.min(round, 8));
}

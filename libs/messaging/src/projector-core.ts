// The projector's decision for one chunk of one partition, independent of
// Kafka: which events to apply, which to dead-letter, which customers to park.
//
// Per customer, order is everything: a customer's events share a partition and
// arrive in revision order, and none may overtake an event that could not be
// applied. So:
//   - a customer already parked (durably, in the ParkingLot) has every event
//     held back to the dead-letter topic;
//   - an unreadable message parks its customer (when its key names one);
//   - the readable events of unparked customers are applied in one batch; if
//     the projection throws, they are applied one by one to find the bad
//     event(s), each of which parks its customer, and that customer's later
//     events in the chunk are held back.
// Dead letters are published (and acknowledged) before the parking is
// recorded, and both before the caller commits the offsets: a crash anywhere
// replays the chunk, the revision guard makes re-applying harmless, and a
// duplicate dead letter is dropped by the replay, which dedupes by revision.
import { isCustomerId } from '@rapport/domain';
import type { RecordedEvent } from '@rapport/event-store';
import { fromCustomerEventMessage, type ReceivedMessage } from './customer-event.message';
import type { DeadLetter, DeadLetterKind } from './dead-letter';
import type { ParkingLot } from './parking-lot';

/** Where the projector applies events: the pure projections and a read store. */
export interface ProjectionSink {
  /**
   * Applies the events (each customer's in revision order) and commits the
   * documents, idempotently: events at or below a document's revision change
   * nothing. Throws ProjectionFailure when the events cannot be projected, and
   * then has written nothing; any other error means the store failed and the
   * same call may be retried.
   */
  apply(events: readonly RecordedEvent[]): Promise<void>;
}

/** A projection (not the store) refused the events: retrying the same input fails the same way. */
export class ProjectionFailure extends Error {
  override readonly name = 'ProjectionFailure';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface DeadLetterPublisher {
  /** Publishes in order and resolves once the broker has acknowledged every message. */
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

export interface IncomingMessage extends ReceivedMessage {
  readonly offset: string;
}

export interface ChunkResult {
  readonly messages: number;
  /** Events handed to the sink (some may have been no-ops under the revision guard). */
  readonly applied: number;
  readonly deadLettered: Readonly<Record<DeadLetterKind, number>>;
  /** Customers parked by this chunk that were not parked before. */
  readonly newlyParked: readonly string[];
}

interface Decoded {
  readonly message: IncomingMessage;
  readonly event?: RecordedEvent;
  readonly error?: string;
  readonly customerId?: string;
  fate?: { kind: DeadLetterKind; error: string } | 'apply';
}

export class ProjectorCore {
  constructor(
    private readonly sink: ProjectionSink,
    private readonly parking: ParkingLot,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  async handle(topic: string, partition: number, messages: readonly IncomingMessage[]): Promise<ChunkResult> {
    const decoded = messages.map(decode);
    const parked = await this.parking.parkedAmong([...new Set(decoded.flatMap((d) => (d.customerId ? [d.customerId] : [])))]);
    const wasParked = new Set(parked);
    const firstFailure = new Map<string, { kind: DeadLetterKind; error: string; revision?: number }>();
    const park = (d: Decoded, kind: DeadLetterKind, error: string) => {
      d.fate = { kind, error };
      if (!d.customerId) return;
      parked.add(d.customerId);
      if (!firstFailure.has(d.customerId)) firstFailure.set(d.customerId, { kind, error, revision: d.event?.revision });
    };
    const holdBack = (d: Decoded) => {
      const failure = firstFailure.get(d.customerId!);
      const since = failure?.revision !== undefined ? ` since revision ${failure.revision}` : '';
      d.fate = { kind: 'held_back', error: `held back: customer ${d.customerId} is parked${since}; replay its dead letters once fixed` };
    };

    const candidates: Decoded[] = [];
    for (const d of decoded) {
      if (d.customerId && parked.has(d.customerId)) holdBack(d);
      else if (d.error !== undefined) park(d, 'malformed', d.error);
      else {
        d.fate = 'apply';
        candidates.push(d);
      }
    }

    let applied = 0;
    try {
      await this.sink.apply(candidates.map((d) => d.event!));
      applied = candidates.length;
    } catch (error) {
      if (!(error instanceof ProjectionFailure)) throw error;
      // Nothing was written: find the event(s) that cannot be applied, one by one, in order.
      for (const d of candidates) {
        if (parked.has(d.customerId!)) {
          holdBack(d);
          continue;
        }
        try {
          await this.sink.apply([d.event!]);
          applied++;
        } catch (single) {
          if (!(single instanceof ProjectionFailure)) throw single;
          park(d, 'projection_failed', describe(single));
        }
      }
    }

    const letters: DeadLetter[] = [];
    const counts: Record<DeadLetterKind, number> = { malformed: 0, projection_failed: 0, held_back: 0 };
    const perCustomer = new Map<string, { first: DeadLetterKind; error: string; revision?: number; count: number }>();
    for (const d of decoded) {
      if (d.fate === undefined || d.fate === 'apply') continue;
      letters.push({ message: d.message, kind: d.fate.kind, error: d.fate.error, topic, partition, offset: d.message.offset });
      counts[d.fate.kind]++;
      if (!d.customerId) continue;
      const entry = perCustomer.get(d.customerId);
      if (entry) entry.count++;
      else perCustomer.set(d.customerId, { first: d.fate.kind, error: d.fate.error, revision: d.event?.revision, count: 1 });
    }
    if (letters.length > 0) await this.deadLetters.publish(letters);
    for (const [customerId, entry] of perCustomer) {
      await this.parking.park(customerId, { kind: entry.first, reason: entry.error, revision: entry.revision, deadLettered: entry.count });
    }
    return {
      messages: messages.length,
      applied,
      deadLettered: counts,
      newlyParked: [...perCustomer.keys()].filter((c) => !wasParked.has(c)),
    };
  }
}

function decode(message: IncomingMessage): Decoded {
  try {
    const event = fromCustomerEventMessage(message);
    if (!isCustomerId(event.customerId) || !Number.isSafeInteger(event.revision) || event.revision < 0) {
      throw new Error('envelope lacks a valid customerId or revision');
    }
    return { message, event, customerId: event.customerId };
  } catch (error) {
    const key = message.key?.toString();
    return { message, error: describe(error), customerId: isCustomerId(key) ? key : undefined };
  }
}

export function describe(error: unknown): string {
  if (error instanceof ProjectionFailure && error.cause !== undefined) return `${error.message}: ${describe(error.cause)}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

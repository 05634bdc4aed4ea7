// Maps the application's outcomes to HTTP: refusals become problems with the
// rule's code; recorded events render as the SPEC envelope.
import type { RecordOutcome, RejectionCode } from '@rapport/application';
import type { RecordedEvent } from '@rapport/event-store';
import { streamName } from '@rapport/domain';
import { ProblemException } from '../http/problem';
import { encodeConsistencyToken } from '../infrastructure/consistency-token';

/** 412 for If-Match, 503 when contention never settles, 422 for an event no state could accept, 409 for a clash with the recorded stream. */
const STATUS: Record<RejectionCode, number> = {
  REVISION_MISMATCH: 412,
  CONCURRENCY_EXHAUSTED: 503,
  FUTURE_EVENT: 422,
  NOT_A_CUSTOMER: 409,
  ALREADY_CHURNED: 409,
  NOT_CHURNED: 409,
  COMPLAINT_NOT_OPEN: 409,
  CONFLICTING_DUPLICATE: 409,
  CUSTOMER_NOT_FOUND: 404,
};

const TITLE: Record<RejectionCode, string> = {
  REVISION_MISMATCH: 'Revision mismatch',
  CONCURRENCY_EXHAUSTED: 'Too much contention',
  FUTURE_EVENT: 'Event in the future',
  NOT_A_CUSTOMER: 'Not a customer',
  ALREADY_CHURNED: 'Already churned',
  NOT_CHURNED: 'Not churned',
  COMPLAINT_NOT_OPEN: 'Complaint not open',
  CONFLICTING_DUPLICATE: 'Conflicting duplicate',
  CUSTOMER_NOT_FOUND: 'Customer not found',
};

export function rejection(outcome: Extract<RecordOutcome, { status: 'rejected' }>): ProblemException {
  const headers: Record<string, string> = outcome.code === 'CONCURRENCY_EXHAUSTED' ? { 'retry-after': '1' } : {};
  return new ProblemException(STATUS[outcome.code], outcome.code, TITLE[outcome.code], outcome.message, [], headers);
}

/** The body of a write that recorded or found its event(s): the events, the stream's revision and a token to read them. */
export function writtenBody(customerId: string, outcome: Exclude<RecordOutcome, { status: 'rejected' }>) {
  const events = outcome.status === 'duplicate' ? [outcome.event] : outcome.events;
  const last = events[events.length - 1]!;
  return {
    customerId,
    duplicate: outcome.status === 'duplicate',
    revision: outcome.revision,
    events: outcome.status === 'duplicate' ? events.map(renderRecordedIds) : events.map(renderEvent),
    consistencyToken: encodeConsistencyToken(last.position),
  };
}

/**
 * What a duplicate answer says about the event already recorded: where it is,
 * never what it holds. Anyone who can write can send any eventId, so its data
 * and metadata (personal fields included) are for readers only (SPEC section 3).
 */
export function renderRecordedIds(event: RecordedEvent) {
  return {
    eventId: event.eventId,
    type: event.type,
    customerId: event.customerId,
    stream: streamName(event.customerId),
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    revision: event.revision,
    position: event.position,
    hash: event.hash,
  };
}

/** The envelope of SPEC section 3, with the stream name and chain hash (last, as the README shows it). */
export function renderEvent(event: RecordedEvent) {
  const { hash, ...ids } = renderRecordedIds(event);
  return { ...ids, data: event.data, metadata: event.metadata, hash };
}

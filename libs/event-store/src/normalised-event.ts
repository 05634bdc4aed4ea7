// What an adapter appends: the event exactly as it will read back from the
// log's JSON, so the hash computed at append time verifies on every later read.
import type { EventMetadata } from '@rapport/domain';
import type { NewEvent } from './event-store.port';

/** A NewEvent in the form it reads back from the log's JSON (same shape, normalised values). */
export type NormalisedEvent = NewEvent;

/**
 * Undefined members dropped, undefined data as null, schema version 1 as none.
 * `eventId` is the form the adapter stores (it checks the id's shape itself:
 * EventStoreDB takes UUIDs only).
 */
export function normaliseNewEvent(event: NewEvent, eventId: string = event.eventId): NormalisedEvent {
  if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('type must be a non-empty string');
  if (typeof event.occurredAt !== 'string') throw new TypeError('occurredAt must be a string');
  const version = event.schemaVersion;
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) {
    throw new TypeError(`schemaVersion must be an integer from 1, got ${JSON.stringify(version)}`);
  }
  return {
    eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    ...(version !== undefined && version > 1 ? { schemaVersion: version } : {}),
    data: event.data === undefined ? null : (JSON.parse(JSON.stringify(event.data)) as unknown),
    metadata: JSON.parse(JSON.stringify(event.metadata ?? {})) as EventMetadata,
  };
}

// The one crossing between the log's events and the domain's. Every reader of
// domain events (decider load, projections, the projector, audit state) comes
// through toCustomerEvent, so an older payload version is upcast in one place;
// every writer goes through toNewEvent, so it records today's version.
import { currentSchemaVersion, upcastEventData, type CustomerEvent, type RecordedCustomerEvent } from '@rapport/domain';
import { schemaVersionOf, type NewEvent, type RecordedEvent } from '@rapport/event-store';

/**
 * The log stores payloads as opaque data; everything in it passed the edge's
 * validation and the decider of its day, so it is read back as the typed
 * domain event, in today's shape. The hash still covers the recorded form:
 * audit history, export and verify read the log, not this.
 */
export function toCustomerEvent(recorded: RecordedEvent): RecordedCustomerEvent {
  const version = schemaVersionOf(recorded);
  const current = currentSchemaVersion(recorded.type);
  if (version === current) return recorded as RecordedCustomerEvent;
  // Older (or, from a later build, newer: upcastEventData refuses it) than today's shape.
  return { ...recorded, schemaVersion: current, data: upcastEventData(recorded.type, version, recorded.data) } as RecordedCustomerEvent;
}

/** A decided event as the log records it: today's payload, stamped with today's version of its type. */
export function toNewEvent(event: CustomerEvent): NewEvent {
  return { ...event, schemaVersion: currentSchemaVersion(event.type) };
}

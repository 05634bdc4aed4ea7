import type { RecordedCustomerEvent } from '@rapport/domain';
import type { RecordedEvent } from '@rapport/event-store';

/**
 * The log stores payloads as opaque data; everything in it passed the edge's
 * validation and the decider, so it is read back as the typed domain event.
 */
export function toCustomerEvent(recorded: RecordedEvent): RecordedCustomerEvent {
  return recorded as RecordedCustomerEvent;
}

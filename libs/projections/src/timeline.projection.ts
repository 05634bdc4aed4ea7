// The timeline read model: one entry per recorded event, read in business-time
// order (occurredAt), so late events take their place in the story.
import { withoutPersonalData, type CustomerEventType, type RecordedCustomerEvent } from '@rapport/domain';

export interface TimelineEntry {
  readonly customerId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: CustomerEventType;
  readonly occurredAt: string;
  /** occurredAt as epoch milliseconds: the sort key across offsets. */
  readonly occurredAtMs: number;
  readonly recordedAt: string;
  readonly data: unknown;
  /** Set on entries recorded before an erasure of the customer's personal data. */
  readonly personalDataErased?: true;
}

export function projectTimelineEntry(event: RecordedCustomerEvent): TimelineEntry {
  return {
    customerId: event.customerId,
    revision: event.revision,
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    occurredAtMs: Date.parse(event.occurredAt),
    recordedAt: event.recordedAt,
    data: event.data,
  };
}

/**
 * The entry once the customer's personal data is erased. Replaying the log
 * after the erasure yields the same: the sealed fields can no longer be opened.
 */
export function redactTimelineEntry(entry: TimelineEntry): TimelineEntry {
  const data = typeof entry.data === 'object' && entry.data !== null ? withoutPersonalData(entry.type, entry.data) : entry.data;
  return { ...entry, data, personalDataErased: true };
}

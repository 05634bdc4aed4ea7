// The timeline read model: one entry per recorded event, read in business-time
// order (occurredAt), so late events take their place in the story.
import type { CustomerEventType, RecordedCustomerEvent } from '@rapport/domain';

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

// The Kafka contract of SPEC section 5: key = customerId, value = the event
// envelope as JSON, CloudEvents 1.0 binary-mode headers plus rapport_revision
// and rapport_schema_version (and, for a traced event, the CloudEvents
// Distributed Tracing extension, ce_traceparent / ce_tracestate). The value is the event as recorded, old payload
// versions included, so the topic is an exact copy of the log and re-hashes;
// consumers upcast (ours through toCustomerEvent, as every reader does).
import { isEventType } from '@rapport/domain';
import { schemaVersionOf, type RecordedEvent } from '@rapport/event-store';

export const CUSTOMER_EVENTS_TOPIC = 'rapport.customer-events.v1';
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

export const CE_SOURCE = '/rapport/customers';
export const ceType = (type: string): string => `rapport.customer.${type}.v1`;

export interface CustomerEventMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What a consumer receives: kafkajs gives Buffers (or strings) for key, value and headers. */
export interface ReceivedMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

export function toCustomerEventMessage(event: RecordedEvent): CustomerEventMessage {
  const envelope = {
    eventId: event.eventId,
    type: event.type,
    customerId: event.customerId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    revision: event.revision,
    position: event.position,
    // Only from 2 on, as recorded and hashed.
    ...(event.schemaVersion !== undefined ? { schemaVersion: event.schemaVersion } : {}),
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
  return {
    key: event.customerId,
    value: JSON.stringify(envelope),
    headers: {
      ce_specversion: '1.0',
      ce_id: event.eventId,
      ce_source: CE_SOURCE,
      ce_type: ceType(event.type),
      ce_time: event.occurredAt,
      ce_subject: event.customerId,
      'content-type': 'application/json',
      rapport_revision: String(event.revision),
      // Always present, 1 included: a consumer knows the payload's shape without parsing the value.
      rapport_schema_version: String(schemaVersionOf(event)),
      // CloudEvents Distributed Tracing extension: the trace the event started in (its append span), when one was recorded.
      ...(event.metadata.traceparent !== undefined ? { ce_traceparent: event.metadata.traceparent } : {}),
      ...(event.metadata.tracestate !== undefined ? { ce_tracestate: event.metadata.tracestate } : {}),
    },
  };
}

/**
 * The trace context a consumer continues: the hop's W3C `traceparent` (the
 * relay's publish span) when present, else the event's origin from the
 * CloudEvents `ce_traceparent` extension.
 */
export function traceHeadersOfMessage(message: ReceivedMessage): { traceparent?: string; tracestate?: string } | undefined {
  const hop = header(message, 'traceparent');
  if (hop !== undefined) {
    const state = header(message, 'tracestate');
    return state !== undefined ? { traceparent: hop, tracestate: state } : { traceparent: hop };
  }
  const origin = header(message, 'ce_traceparent');
  if (origin === undefined) return undefined;
  const state = header(message, 'ce_tracestate');
  return state !== undefined ? { traceparent: origin, tracestate: state } : { traceparent: origin };
}

/** Reads a message back into the recorded event, checking the headers agree with the value. */
export function fromCustomerEventMessage(message: ReceivedMessage): RecordedEvent {
  if (message.value === null) throw new MalformedMessageError('message has no value');
  let event: RecordedEvent;
  try {
    event = JSON.parse(message.value.toString()) as RecordedEvent;
  } catch (error) {
    throw new MalformedMessageError(`value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof event !== 'object' || event === null || !isEventType(event.type)) {
    throw new MalformedMessageError('value is not a customer event envelope');
  }
  const key = message.key?.toString();
  if (key !== event.customerId) throw new MalformedMessageError(`key ${key} does not match customerId ${event.customerId}`);
  const revision = header(message, 'rapport_revision');
  if (revision !== undefined && Number(revision) !== event.revision) {
    throw new MalformedMessageError(`rapport_revision ${revision} does not match revision ${event.revision}`);
  }
  // Messages published before the header existed have none; their value says it all.
  const schemaVersion = header(message, 'rapport_schema_version');
  if (schemaVersion !== undefined && Number(schemaVersion) !== schemaVersionOf(event)) {
    throw new MalformedMessageError(`rapport_schema_version ${schemaVersion} does not match the value's schema version ${schemaVersionOf(event)}`);
  }
  return event;
}

export function header(message: ReceivedMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

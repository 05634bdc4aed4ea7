import { Kafka as CloudEventsKafka } from 'cloudevents';
import type { RecordedEvent } from '@rapport/event-store';
import { fromCustomerEventMessage, MalformedMessageError, toCustomerEventMessage, traceHeadersOfMessage } from './customer-event.message';

const event: RecordedEvent = {
  eventId: '8f14e45f-ceea-467f-a0f6-3c7a3b0d1a11',
  type: 'complaint_resolved',
  customerId: 'cust-42',
  occurredAt: '2026-04-01T09:30:00+02:00',
  recordedAt: '2026-04-01T07:30:01.123Z',
  revision: 7,
  position: 1234,
  data: { complaintId: 'k-1', resolution: 'replaced', satisfied: true },
  metadata: { correlationId: 'corr', actor: 'crm-sync', source: 'helpdesk' },
  hash: 'ab'.repeat(32),
};

const asReceived = (m: ReturnType<typeof toCustomerEventMessage>) => ({
  key: Buffer.from(m.key),
  value: Buffer.from(m.value),
  headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('the Kafka message of a recorded event', () => {
  const message = toCustomerEventMessage(event);

  it('is keyed by customerId and carries the envelope as JSON', () => {
    expect(message.key).toBe('cust-42');
    expect(JSON.parse(message.value)).toEqual(event);
  });

  it('carries CloudEvents 1.0 binary-mode headers that the CloudEvents SDK reads', () => {
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.eventId,
      ce_source: '/rapport/customers',
      ce_type: 'rapport.customer.complaint_resolved.v1',
      ce_time: event.occurredAt,
      ce_subject: 'cust-42',
      'content-type': 'application/json',
      rapport_revision: '7',
      rapport_schema_version: '1',
    });
    const cloudEvent = CloudEventsKafka.toEvent({
      key: message.key,
      value: message.value,
      headers: message.headers,
      timestamp: '0',
    } as never) as unknown as Record<string, unknown>;
    expect(cloudEvent).toMatchObject({
      specversion: '1.0',
      id: event.eventId,
      source: '/rapport/customers',
      type: 'rapport.customer.complaint_resolved.v1',
      subject: 'cust-42',
      datacontenttype: 'application/json',
    });
    expect(Date.parse(String(cloudEvent.time))).toBe(Date.parse(event.occurredAt));
    expect(cloudEvent.data).toMatchObject({ eventId: event.eventId, revision: 7 });
  });

  it('reads back into the same recorded event', () => {
    expect(fromCustomerEventMessage(asReceived(message))).toEqual(event);
  });

  it('refuses a message whose key or revision header disagrees with its value', () => {
    expect(() => fromCustomerEventMessage({ ...asReceived(message), key: Buffer.from('other') })).toThrow(MalformedMessageError);
    const headers = { ...asReceived(message).headers, rapport_revision: Buffer.from('8') };
    expect(() => fromCustomerEventMessage({ ...asReceived(message), headers })).toThrow(MalformedMessageError);
    expect(() => fromCustomerEventMessage({ ...asReceived(message), value: Buffer.from('{oops') })).toThrow(MalformedMessageError);
    expect(() => fromCustomerEventMessage({ ...asReceived(message), value: null })).toThrow(MalformedMessageError);
  });
});

describe('the Kafka message of an event with a payload schema version', () => {
  // As today's writers record a purchase: version 2, in the value (hashed, so copied as recorded) and in a header.
  const purchased: RecordedEvent = {
    ...event,
    type: 'purchased',
    schemaVersion: 2,
    data: { orderId: 'o-981', amount: 4990, currency: 'EUR' },
  };
  // As a log written before versions holds one: no version, a v1 payload, published as recorded (not upcast).
  const v1: RecordedEvent = { ...event, type: 'purchased', data: { orderId: 'o-7', amount: '49.90', currency: 'EUR' } };

  it('carries the version in the value only when the log records one, and always in rapport_schema_version', () => {
    const message = toCustomerEventMessage(purchased);
    expect(JSON.parse(message.value)).toEqual({ ...purchased, schemaVersion: 2 });
    expect(message.headers.rapport_schema_version).toBe('2');
    const old = toCustomerEventMessage(v1);
    expect(JSON.parse(old.value)).not.toHaveProperty('schemaVersion');
    expect(JSON.parse(old.value).data).toEqual({ orderId: 'o-7', amount: '49.90', currency: 'EUR' });
    expect(old.headers.rapport_schema_version).toBe('1');
  });

  it('reads back with its version, and refuses a header that disagrees with the value', () => {
    const message = asReceived(toCustomerEventMessage(purchased));
    expect(fromCustomerEventMessage(message).schemaVersion).toBe(2);
    for (const wrong of ['1', '3', 'two']) {
      expect(() => fromCustomerEventMessage({ ...message, headers: { ...message.headers, rapport_schema_version: Buffer.from(wrong) } })).toThrow(/rapport_schema_version/);
    }
    const old = asReceived(toCustomerEventMessage(v1));
    expect(() => fromCustomerEventMessage({ ...old, headers: { ...old.headers, rapport_schema_version: Buffer.from('2') } })).toThrow(MalformedMessageError);
  });

  it('reads a message published before the header existed by its value alone', () => {
    const { rapport_schema_version: _omitted, ...headers } = asReceived(toCustomerEventMessage(purchased)).headers;
    expect(fromCustomerEventMessage({ ...asReceived(toCustomerEventMessage(purchased)), headers })).toEqual(purchased);
  });
});

describe('the Kafka message of a traced event', () => {
  const origin = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const traced: RecordedEvent = { ...event, metadata: { ...event.metadata, traceparent: origin, tracestate: 'rojo=00f067aa0ba902b7' } };

  it('carries the recorded trace context as the CloudEvents Distributed Tracing extension, which the SDK reads', () => {
    const message = toCustomerEventMessage(traced);
    expect(message.headers).toMatchObject({ ce_traceparent: origin, ce_tracestate: 'rojo=00f067aa0ba902b7' });
    const cloudEvent = CloudEventsKafka.toEvent({ key: message.key, value: message.value, headers: message.headers, timestamp: '0' } as never) as unknown as Record<string, unknown>;
    expect(cloudEvent).toMatchObject({ traceparent: origin, tracestate: 'rojo=00f067aa0ba902b7' });
    expect(fromCustomerEventMessage(asReceived(message))).toEqual(traced);
  });

  it('carries none for an event recorded without one', () => {
    const headers = toCustomerEventMessage(event).headers;
    expect(Object.keys(headers).filter((name) => /trace/.test(name))).toEqual([]);
    expect(traceHeadersOfMessage(asReceived(toCustomerEventMessage(event)))).toBeUndefined();
  });

  it('is continued from the hop’s W3C traceparent when the relay set one, else from the origin', () => {
    const message = asReceived(toCustomerEventMessage(traced));
    expect(traceHeadersOfMessage(message)).toEqual({ traceparent: origin, tracestate: 'rojo=00f067aa0ba902b7' });
    const hop = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';
    expect(traceHeadersOfMessage({ ...message, headers: { ...message.headers, traceparent: Buffer.from(hop) } })).toEqual({ traceparent: hop });
  });
});

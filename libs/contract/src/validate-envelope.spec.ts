import { EMITTED_EVENT_TYPES, RESERVED_EVENT_TYPES } from '@rapport/domain';
import { DATA_DTO_BY_TYPE, EventMetadataDto } from './event-envelope.dto';
import { fieldRules, validData } from './testing';
import { validateEnvelope } from './validate-envelope';

const AT = '2026-01-01T00:00:00Z';

describe('validateEnvelope', () => {
  it.each(EMITTED_EVENT_TYPES)('hands on exactly the %s data and metadata sent: no other key, not even an undefined one, in the sender’s order', (type) => {
    const data = Object.fromEntries(Object.entries(validData(type, 'all')).reverse());
    const metadata = { source: 'shop', correlationId: 'corr-1' };
    const result = validateEnvelope({ eventId: '3F2B8C1E-0000-4000-8000-00000000000A', type, occurredAt: AT, data, metadata }, 'ada');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value).toEqual({ customerId: 'ada', eventId: '3f2b8c1e-0000-4000-8000-00000000000a', type, occurredAt: AT, data, metadata });
    expect(Object.keys(result.value.data)).toEqual(Object.keys(data));
    expect(Object.keys(result.value.metadata)).toEqual(Object.keys(metadata));
    // Copies: the caller's objects may change afterwards without changing the event.
    expect(result.value.data).not.toBe(data);
    expect(result.value.metadata).not.toBe(metadata);
  });

  it.each(RESERVED_EVENT_TYPES)('marks %s as reserved, whatever else the envelope holds', (type) => {
    expect(validateEnvelope({ type, occurredAt: AT, data: { anything: 1 } }, 'ada')).toEqual({
      ok: false,
      reserved: true,
      errors: [{ field: 'type', message: `${type} is recorded only by Rapport itself, never sent by an emitter` }],
    });
    expect(validateEnvelope({ type: 'teleported', occurredAt: AT, data: {} }, 'ada')).not.toHaveProperty('reserved');
  });

  it('hands on no key for a field left out', () => {
    const result = validateEnvelope({ type: 'purchased', occurredAt: AT, data: { orderId: 'o-1', amount: 0, currency: 'EUR' } }, 'ada');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.keys(result.value)).not.toContain('eventId');
    expect(Object.keys(result.value.data)).toEqual(['orderId', 'amount', 'currency']);
    expect(result.value.metadata).toEqual({});
  });

  it.each(EMITTED_EVENT_TYPES)('refuses null for each optional %s field, naming it: the domain type has no null', (type) => {
    for (const rule of fieldRules(DATA_DTO_BY_TYPE[type]).filter((r) => !r.required)) {
      const result = validateEnvelope({ type, occurredAt: AT, data: { ...validData(type, 'required'), [rule.name]: null } }, 'ada');
      expect([rule.name, result.ok]).toEqual([rule.name, false]);
      if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(`data.${rule.name}`);
    }
  });

  it('refuses null metadata, and null for each metadata field', () => {
    const event = { type: 'identified', occurredAt: AT, data: {} };
    const refusedFields = (body: object) => {
      const result = validateEnvelope(body, 'ada');
      return result.ok ? [] : result.errors.map((e) => e.field);
    };
    expect(refusedFields({ ...event, metadata: null })).toContain('metadata');
    for (const { name } of fieldRules(EventMetadataDto)) expect(refusedFields({ ...event, metadata: { [name]: null } })).toContain(`metadata.${name}`);
  });
});

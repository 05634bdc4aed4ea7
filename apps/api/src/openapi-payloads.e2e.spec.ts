// The OpenAPI document says what the write routes accept (ARCHITECTURE, "One
// definition per payload"). For every event type, the schema at /openapi.json
// states the enums, required fields and bounds the validators enforce (read
// from their metadata, and from the domain's constants for enums); and bodies
// built from those rules, valid and broken one rule at a time, are accepted or
// refused by the server exactly as the document's schema (checked with ajv)
// accepts or refuses them, on the single-event route and as batch items.
import { randomUUID } from 'node:crypto';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EMITTED_EVENT_TYPES, type EmittedEventType } from '@rapport/domain';
import { DATA_DTO_BY_TYPE, EventEnvelopeDto, EventMetadataDto } from '@rapport/contract';
import { DOMAIN_ENUMS, fieldRules, validData, validValue, type FieldRule } from '@rapport/contract/testing';
import { ApiTestClient } from './testing/api-test-client';

type Schema = Record<string, any>;
interface Case {
  readonly label: string;
  readonly body: Record<string, unknown>;
}

const AT = '2026-01-01T00:00:00Z';
const SCHEMAS = '#/components/schemas/';

describe('the OpenAPI document of the event payloads', () => {
  let api: ApiTestClient;
  let doc: Schema;
  let single: ValidateFunction;
  let batchItem: ValidateFunction;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    const response = await api.get('/openapi.json');
    expect(response.status).toBe(200);
    doc = response.body;
    // The document's $refs point into components; ajv resolves them as definitions of one root schema.
    const definitions = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll(SCHEMAS, '#/definitions/'));
    const bodySchema = (path: string) => JSON.parse(JSON.stringify(doc.paths[path].post.requestBody.content['application/json'].schema).replaceAll(SCHEMAS, '#/definitions/'));
    const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    addFormats(ajv);
    // OpenAPI annotations, not assertions; oneOf does the work of the discriminator.
    ajv.addKeyword('example');
    ajv.addKeyword('discriminator');
    single = ajv.compile({ definitions, ...bodySchema('/v1/customers/{customerId}/events') });
    const batch = bodySchema('/v1/events');
    batchItem = ajv.compile({ definitions, ...batch.properties.events.items });
  });
  afterAll(async () => {
    await api.stop();
  });

  const component = (name: string): Schema => {
    const schema = doc.components.schemas[name];
    if (!schema) throw new Error(`no schema ${name} in the document`);
    return schema;
  };
  const refName = (schema: Schema): string => String(schema.$ref ?? schema.allOf?.[0]?.$ref).replace(SCHEMAS, '');
  const envelopeOf = (type: EmittedEventType): Schema => {
    const mapping: Record<string, string> = doc.paths['/v1/customers/{customerId}/events'].post.requestBody.content['application/json'].schema.discriminator.mapping;
    return component(mapping[type]!.replace(SCHEMAS, ''));
  };

  /** The document's rules for each field of an object schema, in the shape fieldRules gives the validators'. */
  function documented(schema: Schema): Omit<FieldRule, 'checkedBeyondSchema'>[] {
    return Object.entries<Schema>(schema.properties).map(([name, property]) => {
      const rule: Record<string, unknown> = { name, required: (schema.required ?? []).includes(name), type: property.type ?? (property.$ref || property.allOf ? 'object' : undefined) };
      for (const key of ['enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern'] as const) if (property[key] !== undefined) rule[key] = property[key];
      return rule as unknown as Omit<FieldRule, 'checkedBeyondSchema'>;
    });
  }
  const enforced = (dto: new () => object) => fieldRules(dto).map(({ checkedBeyondSchema: _beyond, ...rule }) => rule);

  it('describes one envelope per type an emitter may send, told apart by `type`', () => {
    const schema = doc.paths['/v1/customers/{customerId}/events'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.discriminator.mapping)).toEqual([...EMITTED_EVENT_TYPES]);
    expect(schema.oneOf.map((ref: Schema) => ref.$ref)).toEqual(Object.values(schema.discriminator.mapping));
    for (const type of EMITTED_EVENT_TYPES) {
      const envelope = envelopeOf(type);
      expect(envelope.additionalProperties).toBe(false);
      expect(envelope.properties.type.enum).toEqual([type]);
      expect(component(refName(envelope.properties.data)).type).toBe('object');
      // The envelope's other fields: as the envelope's validators have them, `type` narrowed to this type and `data` to its payload.
      const expected = enforced(EventEnvelopeDto).map((rule) =>
        rule.name === 'type' ? { ...rule, enum: [type] } : rule.name === 'data' || rule.name === 'metadata' ? { name: rule.name, required: rule.required, type: 'object' } : rule,
      );
      const actual = documented(envelope).map((rule) => (rule.name === 'occurredAt' ? { ...rule, pattern: undefined } : rule));
      expect(actual).toEqual(expected.map((rule) => (rule.name === 'occurredAt' ? { ...rule, pattern: undefined } : rule)));
    }
    expect(documented(component(refName(envelopeOf('identified').properties.metadata)))).toEqual(enforced(EventMetadataDto));
    expect(component(refName(envelopeOf('identified').properties.metadata)).additionalProperties).toBe(false);
  });

  it.each(EMITTED_EVENT_TYPES)('states the rules the validators enforce on %s data: fields, required, types, enums and bounds', (type) => {
    const data = component(refName(envelopeOf(type).properties.data));
    expect(data.additionalProperties).toBe(false);
    expect(documented(data)).toEqual(enforced(DATA_DTO_BY_TYPE[type]));
    // Enum values are the domain's constants, in the domain's order.
    const enums = Object.fromEntries(documented(data).flatMap((rule) => (rule.enum ? [[rule.name, rule.enum]] : [])));
    expect(enums).toEqual(DOMAIN_ENUMS[type]);
  });

  /** Valid bodies of `type`, and bodies broken (or stretched to a limit) one rule at a time. */
  function casesFor(type: EmittedEventType): Case[] {
    const rules = fieldRules(DATA_DTO_BY_TYPE[type]);
    const all = validData(type, 'all');
    const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type, occurredAt: AT, data, ...extra });
    const withField = (name: string, value: unknown) => event({ ...all, [name]: value });
    const cases: Case[] = [
      { label: 'required fields only', body: event(validData(type, 'required')) },
      { label: 'every field', body: event(all, { eventId: randomUUID(), metadata: { correlationId: 'corr-1', causationId: 'cause-1', source: 'shop' } }) },
      { label: 'an unknown data field', body: withField('nickname', 'x') },
    ];
    for (const rule of rules) {
      const { name } = rule;
      if (rule.required) cases.push({ label: `no ${name}`, body: event(Object.fromEntries(Object.entries(all).filter(([key]) => key !== name))) });
      else cases.push({ label: `${name} null`, body: withField(name, null) });
      cases.push({ label: `${name} of the wrong type`, body: withField(name, rule.type === 'string' ? 42 : rule.type === 'object' ? 'x' : String(validValue(rule))) });
      const values = DOMAIN_ENUMS[type][name as never] as readonly string[] | undefined;
      if (values) {
        for (const value of values) cases.push({ label: `${name} ${value}`, body: withField(name, value) });
        cases.push({ label: `${name} not among the domain's values`, body: withField(name, 'pigeon') });
        cases.push({ label: `${name} in upper case`, body: withField(name, values[0]!.toUpperCase()) });
      }
      if (rule.type === 'integer') cases.push({ label: `${name} fractional`, body: withField(name, 1.5) });
      for (const [bound, value, label] of [
        [rule.minimum, rule.minimum, 'at its minimum'],
        [rule.minimum, (rule.minimum ?? 0) - 1, 'below its minimum'],
        [rule.maximum, rule.maximum, 'at its maximum'],
        // 2^53 is exact in JSON and in a double, so max + 1 is a different number even at MAX_SAFE_INTEGER.
        [rule.maximum, (rule.maximum ?? 0) + 1, 'above its maximum'],
        [rule.minLength, 'x'.repeat(rule.minLength ?? 0), 'at its shortest'],
        [rule.minLength, 'x'.repeat(Math.max(0, (rule.minLength ?? 0) - 1)), 'too short'],
        [rule.maxLength, 'x'.repeat(rule.maxLength ?? 0), 'at its longest'],
        [rule.maxLength, 'x'.repeat((rule.maxLength ?? 0) + 1), 'too long'],
      ] as const) {
        if (bound !== undefined && !(rule.pattern && typeof value === 'string')) cases.push({ label: `${name} ${label}`, body: withField(name, value) });
      }
      if (rule.pattern) cases.push({ label: `${name} not matching its pattern`, body: withField(name, 'no match!') });
    }
    // The envelope around it.
    const other = EMITTED_EVENT_TYPES.find((t) => t !== type && Object.keys(validData(t, 'required')).length > 0)!;
    cases.push(
      { label: `the data of ${other}`, body: event(validData(other, 'all')) },
      { label: 'no occurredAt', body: { type, data: all } },
      { label: 'a lower-case t and z', body: event(all, { occurredAt: '2026-01-01t00:00:00z' }) },
      { label: 'an offset without a colon', body: event(all, { occurredAt: '2026-01-01T00:00:00+0100' }) },
      { label: 'no offset', body: event(all, { occurredAt: '2026-01-01T00:00:00' }) },
      { label: 'a fraction of 9 digits and an offset', body: event(all, { occurredAt: '2026-01-01T00:00:00.123456789-05:30' }) },
      { label: '30 February', body: event(all, { occurredAt: '2026-02-30T10:00:00Z' }) },
      { label: 'a non-UUID eventId', body: event(all, { eventId: 'not-a-uuid' }) },
      { label: 'a server-set field', body: event(all, { revision: 3 }) },
      { label: 'metadata.actor', body: event(all, { metadata: { actor: 'root' } }) },
      { label: 'an empty metadata.source', body: event(all, { metadata: { source: '' } }) },
      { label: 'metadata null', body: event(all, { metadata: null }) },
      { label: 'data not an object', body: event(all, { data: [all] }) },
    );
    return cases;
  }

  /** Accepted means validation passed: recorded, a duplicate, or refused by a rule of the decider (a fresh customer may not churn). */
  function acceptedBy(status: number, code: string | undefined): boolean {
    if (status === 400 && code === 'VALIDATION_FAILED') return false;
    if ([200, 201, 409, 422].includes(status)) return true;
    throw new Error(`unexpected answer ${status} ${code}`);
  }

  it.each(EMITTED_EVENT_TYPES)('accepts exactly the %s bodies its schema accepts, one by one and as a batch', async (type) => {
    const cases = casesFor(type);
    const disagreements: string[] = [];
    const verdicts: boolean[] = [];
    for (const { label, body } of cases) {
      const response = await api.post(`/v1/customers/oa-${randomUUID()}/events`, body);
      const server = acceptedBy(response.status, response.body?.code);
      const schema = single(body);
      verdicts.push(server);
      if (server !== schema) disagreements.push(`${label}: server ${server ? 'accepts' : 'refuses'}, document ${schema ? 'accepts' : 'refuses'}`);
    }

    const items = cases.map(({ body }) => ({ customerId: `oa-${randomUUID()}`, ...body }));
    const batch = await api.post('/v1/events', { events: items });
    expect(batch.status).toBe(200);
    batch.body.results.forEach((result: { status: string; error?: { code: string } }, i: number) => {
      const server = !(result.status === 'rejected' && result.error?.code === 'VALIDATION_FAILED');
      const schema = batchItem(items[i]);
      if (server !== schema) disagreements.push(`batch item ${cases[i]!.label}: server ${server ? 'accepts' : 'refuses'}, document ${schema ? 'accepts' : 'refuses'}`);
    });
    // A batch item must name its customer; the document says so too.
    const { customerId: _customerId, ...anonymous } = items[0]!;
    expect(batchItem(anonymous)).toBe(false);

    expect(disagreements).toEqual([]);
    // Not vacuous: both verdicts occur, and the valid bodies are among the accepted.
    expect(verdicts.slice(0, 2)).toEqual([true, true]);
    expect(verdicts).toContain(false);
  });
});

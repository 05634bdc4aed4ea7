// docs/asyncapi.yaml says what the relay publishes (ARCHITECTURE, "One
// definition per payload"). Its payload schemas state the fields, required
// fields, types and enums the edge's validators enforce (read from their
// metadata) and the domain's constants, with personal fields sealed; and a real
// message value of every event type validates against it: recorded through the
// application onto a sealing SQLite log, read back bare as the relay reads it,
// and made a Kafka message by toCustomerEventMessage.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { CustomerCommands, PersonalDataErasure, type EventInput } from '@rapport/application';
import { DATA_DTO_BY_TYPE, EventMetadataDto, validateEnvelope } from '@rapport/contract';
import { DOMAIN_ENUMS, fieldRules, validData, type FieldRule } from '@rapport/contract/testing';
import { EMITTED_EVENT_TYPES, EVENT_TYPES, PERSONAL_FIELDS, type CustomerEventType } from '@rapport/domain';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store-sqlite';
import { ceType, fromCustomerEventMessage, toActionMessage, toCustomerEventMessage, type CustomerEventMessage } from '@rapport/messaging';
import { inSpan, startTracing } from '@rapport/observability';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

type Schema = Record<string, any>;

const asyncapi: Schema = parse(fs.readFileSync(path.join(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
const schemas: Record<string, Schema> = asyncapi.components.schemas;
const LOCAL = '#/components/schemas/';

const refName = (schema: Schema | undefined): string | undefined => (typeof schema?.$ref === 'string' ? schema.$ref.replace(LOCAL, '') : undefined);
/** The payload schema the message value's `type` selects. */
function dataSchemaOf(type: CustomerEventType): Schema {
  const branches = (schemas.RecordedEvent!.oneOf as Schema[]).filter((branch) => branch.properties?.type?.const === type);
  expect(branches).toHaveLength(1);
  const name = refName(branches[0]!.properties.data)!;
  expect(schemas[name]).toBeDefined();
  return schemas[name]!;
}

/** A documented property's alternatives (a `oneOf` may add an older version's shape to today's). */
const alternatives = (property: Schema): Schema[] => property.oneOf ?? property.anyOf ?? [property];

describe('docs/asyncapi.yaml against the code', () => {
  it('names every event type, in the value and in ce_type, each with one payload schema', () => {
    expect(schemas.RecordedEvent!.properties.type.enum).toEqual([...EVENT_TYPES]);
    expect(schemas.CloudEventHeaders!.properties.ce_type.enum).toEqual(EVENT_TYPES.map(ceType));
    expect((schemas.RecordedEvent!.oneOf as Schema[]).map((branch) => branch.properties.type.const)).toEqual([...EVENT_TYPES]);
  });

  it.each(EMITTED_EVENT_TYPES)('describes %s data as the validators have it: fields, required, types, enums and bounds, personal fields sealed', (type) => {
    const schema = dataSchemaOf(type);
    const rules = fieldRules(DATA_DTO_BY_TYPE[type]);
    const personal: readonly string[] = PERSONAL_FIELDS[type];
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {})).toEqual(rules.map((rule) => rule.name));
    expect(schema.required ?? []).toEqual(rules.filter((rule) => rule.required).map((rule) => rule.name));
    for (const rule of rules) {
      const property: Schema = schema.properties[rule.name];
      if (personal.includes(rule.name)) {
        expect([rule.name, refName(property)]).toEqual([rule.name, 'SealedValue']);
        continue;
      }
      // Today's shape is one of the documented alternatives: same type, enum and numeric bounds.
      const today = alternatives(property).find((alternative) => alternative.type === rule.type);
      expect([rule.name, today && summary(today)]).toEqual([rule.name, summary(rule)]);
    }
    const enums = Object.fromEntries(rules.flatMap((rule) => (rule.enum ? [[rule.name, rule.enum]] : [])));
    expect(enums).toEqual(DOMAIN_ENUMS[type]);
  });

  it('describes personal_data_erased data as empty, and the metadata as the emitter gives it plus what the server sets (actor, trace context)', () => {
    expect(dataSchemaOf('personal_data_erased')).toMatchObject({ type: 'object', additionalProperties: false });
    expect(dataSchemaOf('personal_data_erased').properties ?? {}).toEqual({});
    const metadata = schemas.RecordedEvent!.properties.metadata;
    expect(metadata.additionalProperties).toBe(false);
    expect(Object.keys(metadata.properties).sort()).toEqual([...fieldRules(EventMetadataDto).map((rule) => rule.name), 'actor', 'traceparent', 'tracestate'].sort());
  });

  describe('real messages', () => {
    let dir: string;
    let log: SqliteEventStore;
    let keys: SqliteKeyStore;
    let messages: CustomerEventMessage[];
    let validValue: ValidateFunction;
    let validHeaders: ValidateFunction;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-asyncapi-'));
      log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
      keys = SqliteKeyStore.open(path.join(dir, 'keys.sqlite'));
      const vault = new PersonalDataVault(keys);
      const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
      const commands = new CustomerCommands(new SealingEventStore(log, vault), clock, { next: () => randomUUID() });
      let day = 0;
      const record = async (customerId: string, type: (typeof EMITTED_EVENT_TYPES)[number], data: Record<string, unknown>) => {
        day += 1;
        // Through the edge's validation, as the API and the CLI record.
        const validation = validateEnvelope({ customerId, type, occurredAt: `2026-05-${String(day).padStart(2, '0')}T10:00:00+02:00`, data, metadata: { source: 'shop' } });
        if (!validation.ok) throw new Error(`${type}: ${JSON.stringify(validation.errors)}`);
        const outcome = await commands.record({ ...validation.value, metadata: { ...validation.value.metadata, actor: 'crm-sync' } });
        expect([type, outcome.status]).toEqual([type, 'recorded']);
      };
      // Every emitted type with every field, then with its required fields only (identified: none at all).
      for (const [customerId, fields] of [['mq-all', 'all'], ['mq-required', 'required']] as const) {
        for (const type of EMITTED_EVENT_TYPES) await record(customerId, type, validData(type, fields));
      }
      // A purchase by a churned customer also records the implicit won_back.
      await record('mq-required', 'churned', validData('churned', 'required'));
      await record('mq-required', 'purchased', { ...validData('purchased', 'required'), orderId: 'o-again' });
      // The playbook runner's decisions and an action's acknowledgements, as Rapport records them (never through the edge: an emitter may not send them).
      const ref = { playbookId: 'win-back', version: 1, enrollmentId: 'win-back/1' };
      const decisions = [
        { type: 'playbook_enrolled', data: { ...ref, trigger: { signal: 'p_alive_below', firedAt: '2026-05-20T00:00:00Z' }, holdout: false } },
        { type: 'playbook_enrolled', data: { playbookId: 'sla', version: 2, enrollmentId: 'sla/1', trigger: { eventId: randomUUID() }, holdout: true, match: { complaintId: 'k-1' } } },
        { type: 'action_requested', data: { ...ref, step: 0, actionId: 'win-back/1/mq-all/1/0', action: { kind: 'offer', offerId: 'WB-10', channel: 'email' } } },
        { type: 'action_suppressed', data: { ...ref, step: 1, actionId: 'win-back/1/mq-all/1/1', reason: 'HOLDOUT' } },
        { type: 'playbook_exited', data: { ...ref, outcome: 'converted', eventId: randomUUID() } },
        // As the acknowledgement route records it (POST /v1/actions/{actionId}/ack), with and without its detail.
        { type: 'action_acknowledged', data: { actionId: 'win-back/1/mq-all/1/0', playbookId: 'win-back', status: 'failed', detail: 'mailbox full' } },
        { type: 'action_acknowledged', data: { actionId: 'win-back/1/mq-all/1/2', playbookId: 'win-back', status: 'delivered' } },
      ] as const;
      for (const [i, decision] of decisions.entries()) {
        const outcome = await commands.record({ customerId: 'mq-all', occurredAt: `2026-05-2${i}T00:00:00Z`, metadata: { actor: 'playbooks' }, ...decision } as EventInput);
        expect([decision.type, outcome.status]).toEqual([decision.type, 'recorded']);
      }
      await new PersonalDataErasure(commands, vault, clock).erase('mq-all', { actor: 'admin' });
      // Recorded under a sampled trace: the trace context in the metadata, the CloudEvents tracing extension on the message.
      const tracing = await startTracing({ serviceName: 'asyncapi-test', exporter: new InMemorySpanExporter() });
      try {
        await inSpan('test', {}, () => record('mq-traced', 'identified', { name: 'Traced' }));
      } finally {
        await tracing!.shutdown();
      }
      // The bare log, as the relay follows it: personal fields sealed, as hashed.
      messages = (await log.readAll()).map(toCustomerEventMessage);
      // As the relay publishes a traced event when it traces too: its publish span as the hop's W3C header.
      const traced = messages.find((m) => m.headers.ce_traceparent !== undefined)!;
      messages.push({ ...traced, headers: { ...traced.headers, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01', tracestate: 'rapport=1' } });

      const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ $id: 'asyncapi', definitions: JSON.parse(JSON.stringify(schemas).replaceAll(LOCAL, '#/definitions/')) });
      validValue = ajv.getSchema('asyncapi#/definitions/RecordedEvent')!;
      validHeaders = ajv.getSchema('asyncapi#/definitions/CloudEventHeaders')!;
    });
    afterAll(async () => {
      await log.close();
      await keys.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('of every event type validate against the message schema, headers included', () => {
      expect(new Set(messages.map((m) => JSON.parse(m.value).type))).toEqual(new Set(EVENT_TYPES));
      const invalid = messages.flatMap((message) => {
        const value = JSON.parse(message.value);
        const errors = [
          ...(validValue(value) ? [] : [`value: ${briefly(validValue)}`]),
          ...(validHeaders(message.headers) ? [] : [`headers: ${briefly(validHeaders)}`]),
          // Nothing undocumented travels either.
          ...Object.keys(value).filter((key) => !(key in schemas.RecordedEvent!.properties)).map((key) => `undocumented field ${key}`),
        ];
        return errors.length ? [`${value.type} ${JSON.stringify(value.data)}: ${errors.join('; ')}`] : [];
      });
      expect(invalid).toEqual([]);
      // A traced event's message carries its recorded trace context as the CloudEvents extension.
      const traced = messages.filter((m) => m.headers.ce_traceparent !== undefined);
      expect(traced.length).toBe(2);
      expect(traced.map((m) => m.headers.ce_traceparent)).toEqual(traced.map((m) => JSON.parse(m.value).metadata.traceparent));
      expect(traced[0]!.headers.ce_traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      // The personal fields did travel, sealed.
      const identified = messages.map((m) => JSON.parse(m.value)).find((v) => v.type === 'identified' && v.data.name);
      expect(identified.data.name).toMatch(/^pd1:/);
    });

    it('and the action feed’s messages validate against their own schema, headers included, as do its examples', () => {
      const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ $id: 'asyncapi', definitions: JSON.parse(JSON.stringify(schemas).replaceAll(LOCAL, '#/definitions/')) });
      const validAction = ajv.getSchema('asyncapi#/definitions/Action')!;
      const validActionHeaders = ajv.getSchema('asyncapi#/definitions/ActionHeaders')!;
      const actions = messages.flatMap((message) => {
        const action = toActionMessage(fromCustomerEventMessage({ key: message.key, value: message.value, headers: message.headers }));
        return action ? [action] : [];
      });
      expect(actions).toHaveLength(1);
      for (const action of actions) {
        expect(validAction(JSON.parse(action.value)) || briefly(validAction)).toBe(true);
        expect(validActionHeaders(action.headers) || briefly(validActionHeaders)).toBe(true);
      }
      for (const example of asyncapi.components.messages.action.examples as Schema[]) {
        expect([example.name, validAction(example.payload) || briefly(validAction)]).toEqual([example.name, true]);
        expect([example.name, validActionHeaders(example.headers) || briefly(validActionHeaders)]).toEqual([example.name, true]);
      }
      expect(validAction({ ...JSON.parse(actions[0]!.value), discount: 5 })).toBe(false);
    });

    it('as do the document’s own examples', () => {
      const examples: Schema[] = asyncapi.components.messages.customerEvent.examples;
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        expect([example.name, validValue(example.payload) || briefly(validValue)]).toEqual([example.name, true]);
        expect([example.name, validHeaders(example.headers) || briefly(validHeaders)]).toEqual([example.name, true]);
      }
    });

    it('and the schema refuses what the code never publishes', () => {
      const value = (type: string) => JSON.parse(messages.find((m) => JSON.parse(m.value).type === type)!.value);
      const purchased = value('purchased');
      const identified = value('identified');
      for (const [label, broken] of [
        ['another type’s payload', { ...purchased, data: value('contacted').data }],
        ['an unsealed personal field', { ...identified, data: { ...identified.data, name: 'Ada Lovelace' } }],
        ['an unknown payload field', { ...purchased, data: { ...purchased.data, discount: 5 } }],
        ['a payload without a required field', { ...purchased, data: { ...purchased.data, currency: undefined } }],
        ['an unknown type', { ...purchased, type: 'teleported' }],
        ['an unknown enum value', { ...value('churned'), data: { reason: 'bored' } }],
        ['a malformed trace context', { ...purchased, metadata: { ...purchased.metadata, traceparent: 'not-a-traceparent' } }],
      ] as const) {
        expect([label, validValue(JSON.parse(JSON.stringify(broken)))]).toEqual([label, false]);
      }
    });
  });
});

/** The last few of ajv's complaints: enough to see which rule, without every failed oneOf branch. */
function briefly(validate: ValidateFunction): string {
  return (validate.errors ?? []).slice(-3).map((e) => `${e.instancePath || '/'} ${e.message}`).join(', ');
}

/** The parts of a rule a message schema states: type, enum and numeric bounds. */
function summary(rule: Schema | FieldRule): Record<string, unknown> {
  return Object.fromEntries(['type', 'enum', 'minimum', 'maximum'].flatMap((key) => ((rule as Schema)[key] === undefined ? [] : [[key, (rule as Schema)[key]]])));
}

// The handler applies any list of declared projections: a new read model is a
// declaration and one more entry in the list, with no change to the handler,
// the port or the adapters. Shown here with a read model the built-in ones do
// not have (open complaints by id, as an SLA escalation would read them).
import { randomUUID } from 'node:crypto';
import { collectionsOf, defineCollection, eventProjection, put, remove, update } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { RecordedCustomerEvent } from '@rapport/domain';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { FACTS_VERSION, PURCHASES_VERSION, READ_MODELS, customerTimeline } from '@rapport/projections';
import { CustomerCommands } from './customer-commands.service';
import { CustomerReadModels } from './customer-read-models';
import { LogSubscription, READ_MODELS_CHECKPOINT } from './log-subscription';
import { ProjectionError, ProjectionHandler, type CustomerProjection } from './projection-handler';

interface OpenComplaint {
  readonly _id: string;
  readonly revision: number;
  readonly customerId: string;
  readonly severity: string;
  readonly openedAt: string;
}

const openComplaints = defineCollection<OpenComplaint>({ name: 'open_complaints', fields: { customerId: 'string' }, indexes: [{ fields: ['customerId'] }] });

/** The whole read model: one declaration. */
const openComplaintsProjection = eventProjection<RecordedCustomerEvent>({
  name: 'open-complaints',
  handles: ['complained', 'complaint_resolved'],
  collections: [openComplaints],
  project: (event) => {
    if (event.type === 'complained') {
      const { complaintId, severity } = event.data;
      return [put(openComplaints, { _id: complaintId, revision: event.revision, customerId: event.customerId, severity, openedAt: event.occurredAt })];
    }
    if (event.type === 'complaint_resolved') return [remove(openComplaints, event.data.complaintId, event.revision)];
    return [];
  },
});

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };

describe('ProjectionHandler', () => {
  let log: SqliteEventStore;
  let commands: CustomerCommands;

  beforeEach(() => {
    log = SqliteEventStore.open(':memory:');
    commands = new CustomerCommands(log, clock, { next: () => randomUUID() });
  });
  afterEach(() => log.close());

  async function project(projections: readonly CustomerProjection[]) {
    const documents = SqliteDocumentStore.open(':memory:', collectionsOf(projections));
    const handler = new ProjectionHandler(documents, projections);
    await new LogSubscription(log, handler, documents).catchUp();
    return { documents, handler };
  }

  it('builds a read model added as one more entry in the list, and a replay changes nothing', async () => {
    await commands.record({ customerId: 'c-1', type: 'complained', occurredAt: '2026-05-01T00:00:00Z', data: { complaintId: 'k-1', category: 'billing', severity: 'high' } });
    await commands.record({ customerId: 'c-2', type: 'complained', occurredAt: '2026-05-02T00:00:00Z', data: { complaintId: 'k-2', category: 'delivery', severity: 'low' } });
    await commands.record({ customerId: 'c-1', type: 'complaint_resolved', occurredAt: '2026-05-03T00:00:00Z', data: { complaintId: 'k-1', resolution: 'refunded' } });

    const { documents, handler } = await project([...READ_MODELS, openComplaintsProjection]);
    const open = async () => (await documents.find(openComplaints, { limit: 10 })).items;
    expect(await open()).toEqual([{ _id: 'k-2', revision: 0, customerId: 'c-2', severity: 'low', openedAt: '2026-05-02T00:00:00Z' }]);
    // The built-in read models are there as before.
    expect((await new CustomerReadModels(documents).getCustomer('c-1'))?.complaints).toMatchObject({ total: 1, resolved: 1, open: [] });

    const again = await handler.handle(await log.readAll(), READ_MODELS_CHECKPOINT);
    expect(again.applied).toBe(0);
    expect(await open()).toHaveLength(1);
    await documents.close();
  });

  it('moves the purchases version only with purchases and the facts version with any event, redelivered ones too', async () => {
    await commands.record({ customerId: 'v', type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { name: 'V' } });
    const { documents, handler } = await project(READ_MODELS);
    const versions = async () => [await documents.getVersion(FACTS_VERSION), await documents.getVersion(PURCHASES_VERSION)];
    const [facts0, purchases0] = await versions();
    expect(facts0).not.toBe('');
    expect(purchases0).toBe('');
    const newEvents = async (record: () => Promise<unknown>) => {
      const head = await log.headPosition();
      await record();
      return log.readAll({ after: head });
    };
    await handler.handle(
      await newEvents(() =>
        commands.record({ customerId: 'v', type: 'purchased', occurredAt: '2026-05-02T00:00:00Z', data: { orderId: 'o-1', amount: 100, currency: 'USD' } }),
      ),
    );
    const [facts1, purchases1] = await versions();
    expect([facts1 !== facts0, purchases1 !== purchases0]).toEqual([true, true]);
    await handler.handle(
      await newEvents(() => commands.record({ customerId: 'v', type: 'contacted', occurredAt: '2026-05-03T00:00:00Z', data: { channel: 'sms', direction: 'outbound' } })),
    );
    const [facts2, purchases2] = await versions();
    expect([facts2 !== facts1, purchases2]).toEqual([true, purchases1]);
    // A redelivery changes no document, yet moves the versions: the commit it repeats may have crashed before moving them.
    const redelivered = await handler.handle(await log.readAll());
    expect(redelivered.applied).toBe(0);
    const [facts3, purchases3] = await versions();
    expect([facts3 !== facts2, purchases3 !== purchases2]).toEqual([true, true]);
    await documents.close();
  });

  it('redacts the timeline entries recorded before an erasure, and a redelivered old event does not put the data back', async () => {
    await commands.record({ customerId: 'e', type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { name: 'Eve', email: 'eve@example.com' } });
    const { documents, handler } = await project(READ_MODELS);
    const before = await log.readAll();
    await commands.record({ customerId: 'e', type: 'personal_data_erased', occurredAt: '2026-05-02T00:00:00Z', data: {} });
    await handler.handle(await log.readAll({ after: before[before.length - 1]!.position }));
    const timeline = async () => (await new CustomerReadModels(documents).getTimeline('e', { limit: 10 })).items;
    const redacted = await timeline();
    expect(redacted[0]).toMatchObject({ type: 'identified', personalDataErased: true });
    expect(JSON.stringify(redacted[0]!.data)).not.toMatch(/Eve|eve@example/);
    // The old event again, as a Kafka redelivery would bring it (data and all).
    await handler.handle(before);
    expect(await timeline()).toEqual(redacted);
    expect((await documents.get(customerTimeline, redacted[0]!.customerId + '/' + '0'.padStart(16, '0')))?.revision).toBe(1);
    await documents.close();
  });

  it('says when the projections, not the store, fail, and writes nothing then', async () => {
    await commands.record({ customerId: 'x', type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { name: 'X' } });
    const broken: CustomerProjection = eventProjection<RecordedCustomerEvent>({
      name: 'broken',
      handles: ['identified'],
      collections: [],
      project: () => {
        throw new RangeError('a bug');
      },
    });
    const documents = SqliteDocumentStore.open(':memory:', collectionsOf(READ_MODELS));
    const handler = new ProjectionHandler(documents, [...READ_MODELS, broken]);
    const failure = handler.handle(await log.readAll(), READ_MODELS_CHECKPOINT);
    await expect(failure).rejects.toBeInstanceOf(ProjectionError);
    await expect(failure).rejects.toMatchObject({ cause: new RangeError('a bug') });
    expect(await new CustomerReadModels(documents).getCustomer('x')).toBeUndefined();
    expect(await documents.getCheckpoint(READ_MODELS_CHECKPOINT)).toBe(-1);
    expect(() => new ProjectionHandler(documents, [...READ_MODELS, READ_MODELS[0]!])).toThrow(/two projections are named customer-views/);
    // Projection code the store runs inside its commit (an update's apply) is the projections' too.
    const brokenUpdate: CustomerProjection = eventProjection<RecordedCustomerEvent>({
      name: 'broken-update',
      handles: ['identified'],
      collections: [openComplaints],
      project: (event) => [
        put(openComplaints, { _id: 'k', revision: event.revision, customerId: event.customerId, severity: 'low', openedAt: event.occurredAt }),
        update(openComplaints, [{ field: 'customerId', eq: event.customerId }], () => {
          throw new RangeError('a bug in apply');
        }),
      ],
    });
    // A document the store refuses (here: no _id) is the projections' doing too, and nothing is written.
    const noId = eventProjection<RecordedCustomerEvent>({
      name: 'no-id',
      handles: ['identified'],
      collections: [openComplaints],
      project: (event) => [put(openComplaints, { revision: event.revision } as never)],
    });
    const refusing = SqliteDocumentStore.open(':memory:', collectionsOf([...READ_MODELS, noId]));
    await expect(new ProjectionHandler(refusing, [...READ_MODELS, noId]).handle(await log.readAll(), READ_MODELS_CHECKPOINT)).rejects.toBeInstanceOf(ProjectionError);
    expect(await new CustomerReadModels(refusing).getCustomer('x')).toBeUndefined();
    await refusing.close();
    const withUpdate = SqliteDocumentStore.open(':memory:', collectionsOf([...READ_MODELS, brokenUpdate]));
    const failed = new ProjectionHandler(withUpdate, [...READ_MODELS, brokenUpdate]).handle(await log.readAll(), READ_MODELS_CHECKPOINT);
    await expect(failed).rejects.toBeInstanceOf(ProjectionError);
    expect(await withUpdate.get(openComplaints, 'k')).toBeUndefined();
    expect(await withUpdate.getCheckpoint(READ_MODELS_CHECKPOINT)).toBe(-1);
    await withUpdate.close();
    await documents.close();
  });
});

// The customer read models' queries (list, search, timeline order, facts scan)
// on both document-store adapters the modes wire: embedded SQLite and MongoDB
// (FerretDB, or RAPPORT_MONGO_URL). Moved from the old read-store contract;
// what the store itself guarantees is the document-store contract's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { CustomerReadModels, InvalidCursorError } from '@rapport/application';
import { describeWithInfra } from '@rapport/config/testing';
import { put, type DocumentStore } from '@rapport/document-store';
import {
  customerFacts,
  customerTimeline,
  customerViews,
  timelineDocumentId,
  type CustomerFacts,
  type CustomerView,
  type TimelineEntry,
} from '@rapport/projections';
import { connectMongoReadModels } from './mongo-read-models';
import { openEmbeddedReadModels } from './embedded-stores';

interface Fixture {
  readonly store: DocumentStore;
  readonly cleanup: () => Promise<void>;
}

function view(customerId: string, revision: number, overrides: Partial<CustomerView> = {}): CustomerView {
  return {
    customerId,
    revision,
    stage: 'prospect',
    attributes: {},
    score: null,
    purchases: { count: 0, byCurrency: {}, firstAt: null, lastAt: null },
    complaints: { total: 0, resolved: 0, open: [] },
    lastContact: null,
    churns: [],
    winBacks: [],
    firstSeenAt: '2026-01-01T00:00:00Z',
    lastActivityAt: '2026-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function entry(customerId: string, revision: number, occurredAt: string): TimelineEntry {
  return {
    customerId,
    revision,
    eventId: `${customerId}-${revision}`,
    type: 'contacted',
    occurredAt,
    occurredAtMs: Date.parse(occurredAt),
    recordedAt: '2026-01-01T00:00:00.000Z',
    data: { channel: 'email', direction: 'outbound' },
  };
}

function facts(customerId: string, revision: number, amount = 100): CustomerFacts {
  return {
    customerId,
    revision,
    stage: 'customer',
    distinctOrders: 1,
    purchases: [{ occurredAt: '2026-01-02T00:00:00Z', orderId: `o-${revision}`, amount, currency: 'USD' }],
    complaints: [],
    churns: [],
    winBacks: [],
    stages: [{ stage: 'customer', occurredAt: '2026-01-02T00:00:00Z' }],
  };
}

/** Writes documents as the projections would. */
function commit(store: DocumentStore, views: CustomerView[], timeline: TimelineEntry[] = [], fact: CustomerFacts[] = []) {
  return store.commit({
    writes: [
      ...timeline.map((e) =>
        put(customerTimeline, {
          _id: timelineDocumentId(e.customerId, e.revision),
          revision: e.revision,
          customerId: e.customerId,
          occurredAtMs: e.occurredAtMs,
          eventRevision: e.revision,
          entry: e,
        }),
      ),
      ...views.map((v) => put(customerViews, { _id: v.customerId, ...v })),
      ...fact.map((f) => put(customerFacts, { _id: f.customerId, ...f })),
    ],
    checkpoints: [],
  });
}

async function listAll(readModels: CustomerReadModels, query: { stage?: CustomerView['stage'] & string; q?: string; customerIds?: string[] }, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await readModels.listCustomers({ ...query, limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((c) => c.customerId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

function describeCustomerReadModels(name: string, factory: () => Promise<Fixture>, describeFn: jest.Describe = describe): void {
  describeFn(`CustomerReadModels on ${name}`, () => {
    let fixture: Fixture;
    let store: DocumentStore;
    let readModels: CustomerReadModels;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      readModels = new CustomerReadModels(store);
    });
    afterEach(async () => {
      await readModels.close();
      await fixture.cleanup();
    });

    it('starts empty', async () => {
      expect(await readModels.getCustomer('nobody')).toBeUndefined();
      expect((await readModels.listCustomers({ limit: 10 })).items).toEqual([]);
      await expect(readModels.ping()).resolves.toBeUndefined();
    });

    it('reads documents back exactly', async () => {
      const ada = view('ada', 3, { name: 'Ada Lovelace', email: 'ada@example.com', attributes: { 'ü': 'ñ' } });
      await commit(store, [ada], [], [facts('ada', 3)]);
      expect(await readModels.getCustomer('ada')).toEqual(ada);
      expect((await readModels.getCustomers(['ada', 'nobody', 'ada'])).get('ada')).toEqual(ada);
      expect((await readModels.getFacts(['ada'])).get('ada')).toEqual(facts('ada', 3));
    });

    it('never lets an older revision overwrite a newer document', async () => {
      await commit(store, [view('c', 5, { score: 50 })], [], [facts('c', 5, 500)]);
      await commit(store, [view('c', 4, { score: 40 })], [], [facts('c', 4, 400)]);
      expect((await readModels.getCustomer('c'))?.score).toBe(50);
      expect((await readModels.getFacts(['c'])).get('c')?.purchases[0]?.amount).toBe(500);
    });

    it('writes the newer documents of a batch even when others in it are stale', async () => {
      await commit(store, [view('s-1', 3), view('s-2', 3), view('s-3', 3)]);
      await commit(store, [view('s-1', 4, { score: 1 }), view('s-2', 2, { score: 2 }), view('s-3', 4, { score: 3 })]);
      const found = await readModels.getCustomers(['s-1', 's-2', 's-3']);
      expect([...found.values()].map((c) => [c.customerId, c.revision, c.score]).sort()).toEqual([
        ['s-1', 4, 1],
        ['s-2', 3, null],
        ['s-3', 4, 3],
      ]);
    });

    it('changes nothing when the same documents are written twice', async () => {
      const again = () => commit(store, [view('twice', 1)], [entry('twice', 0, '2026-01-01T00:00:00Z'), entry('twice', 1, '2026-01-02T00:00:00Z')]);
      await again();
      await again();
      expect((await readModels.getTimeline('twice', { limit: 10 })).items).toHaveLength(2);
      expect(await listAll(readModels, {}, 10)).toEqual(['twice']);
    });

    it('pages the list in customerId order with an opaque cursor, filtered by stage and text', async () => {
      const ids = Array.from({ length: 7 }, (_, i) => `p-${i}`);
      await commit(
        store,
        ids.map((id, i) => view(id, 0, { stage: i % 2 ? 'customer' : 'prospect', name: i === 3 ? 'Grace HOPPER' : `n${i}` })),
      );
      expect(await listAll(readModels, {}, 3)).toEqual(ids);
      expect(await listAll(readModels, { stage: 'customer' }, 2)).toEqual(['p-1', 'p-3', 'p-5']);
      expect(await listAll(readModels, { q: 'hopper' }, 2)).toEqual(['p-3']);
      expect(await listAll(readModels, { q: 'P-6' }, 2)).toEqual(['p-6']);
      expect(await listAll(readModels, { customerIds: ['p-5', 'p-2', 'p-9'] }, 1)).toEqual(['p-2', 'p-5']);
      expect(await listAll(readModels, { customerIds: ['p-5', 'p-2'], stage: 'customer' }, 5)).toEqual(['p-5']);
      expect(await listAll(readModels, { customerIds: [] }, 5)).toEqual([]);
    });

    it('treats query text as a plain value, never as a pattern or operator', async () => {
      await commit(store, [view('plain', 0, { name: 'a%b_c' }), view('other', 0, { name: 'axbyc' })]);
      expect(await listAll(readModels, { q: '%' }, 10)).toEqual(['plain']);
      expect(await listAll(readModels, { q: '_' }, 10)).toEqual(['plain']);
      expect(await listAll(readModels, { q: '{"$gt":""}' }, 10)).toEqual([]);
      expect(await listAll(readModels, { q: '.*' }, 10)).toEqual([]);
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(readModels.listCustomers({ limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(readModels.getTimeline('x', { limit: 1, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('reads a timeline by business time, then revision, in pages', async () => {
      await commit(store, [], [
        entry('t', 0, '2026-01-05T00:00:00Z'),
        entry('t', 1, '2026-01-01T00:00:00Z'),
        entry('t', 2, '2026-01-05T00:00:00Z'),
        entry('t', 3, '2026-01-03T00:00:00+05:00'),
      ]);
      const first = await readModels.getTimeline('t', { limit: 2 });
      const rest = await readModels.getTimeline('t', { limit: 10, cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((e) => e.revision)).toEqual([1, 3, 0, 2]);
      expect(rest.nextCursor).toBeNull();
    });

    it('scans every customer’s facts', async () => {
      await commit(store, [], [], Array.from({ length: 1205 }, (_, i) => facts(`f-${String(i).padStart(4, '0')}`, 0)));
      const seen: string[] = [];
      for await (const f of readModels.scanFacts()) seen.push(f.customerId);
      expect(seen).toHaveLength(1205);
      expect(new Set(seen).size).toBe(1205);
    }, 120_000); // more than one 1,000-document page; FerretDB on SQLite writes ~100 documents/s here

    it('drops everything on reset', async () => {
      await commit(store, [view('gone', 0)], [entry('gone', 0, '2026-01-01T00:00:00Z')], [facts('gone', 0)]);
      await store.reset();
      expect(await readModels.getCustomer('gone')).toBeUndefined();
      expect((await readModels.getTimeline('gone', { limit: 5 })).items).toEqual([]);
      expect((await readModels.getFacts(['gone'])).size).toBe(0);
    });
  });
}

describeCustomerReadModels('embedded SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-read-'));
  return { store: openEmbeddedReadModels({ dataDir: dir }), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

const mongoUrl = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;

describeCustomerReadModels(
  'MongoDB (FerretDB)',
  async () => {
    const database = `rapport_read_models_${process.pid}_${counter++}_${Date.now().toString(36)}`;
    const store = await connectMongoReadModels(mongoUrl, { database });
    return {
      store,
      cleanup: async () => {
        const client = await MongoClient.connect(mongoUrl);
        await client.db(database).dropDatabase();
        await client.close();
      },
    };
  },
  describeWithInfra('mongo'),
);

describeWithInfra('mongo')('connecting to MongoDB read models', () => {
  it('drops the collections the read models lived in before (they hold personal data no erasure reaches)', async () => {
    const database = `rapport_legacy_${process.pid}_${Date.now().toString(36)}`;
    const client = await MongoClient.connect(mongoUrl);
    try {
      const db = client.db(database);
      await db.collection('customers').insertOne({ _id: 'ada' as never, doc: '{"name":"Ada Lovelace"}' });
      await db.collection('timeline').insertOne({ _id: 'ada:0' as never });
      await db.collection('projector_parked').insertOne({ _id: 'kept' as never });
      const store = await connectMongoReadModels(mongoUrl, { database });
      await store.close();
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      expect(names.filter((name) => ['customers', 'timeline'].includes(name))).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['projector_parked', 'customer_views', 'customer_timeline']));
    } finally {
      await client.db(database).dropDatabase();
      await client.close();
    }
  });
});

describe('opening the embedded read models', () => {
  it('zeroes and deletes the file the read models lived in before, with its -wal and -shm', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-legacy-'));
    try {
      for (const suffix of ['', '-wal', '-shm']) fs.writeFileSync(path.join(dir, `read-models.sqlite${suffix}`), 'Ada Lovelace, ada@example.com');
      const store = openEmbeddedReadModels({ dataDir: dir });
      expect(fs.readdirSync(dir).filter((file) => file.startsWith('read-models.sqlite'))).toEqual([]);
      await store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

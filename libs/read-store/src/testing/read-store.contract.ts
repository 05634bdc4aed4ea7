// The read-store contract: every adapter (embedded SQLite, MongoDB) runs this
// suite unchanged. The factory must return a fresh, empty store each call.
import type { CustomerFacts, CustomerView, TimelineEntry } from '@rapport/projections';
import { InvalidCursorError, type ReadStore } from '../read-store.port';

export interface ReadStoreFixture {
  readonly store: ReadStore;
  readonly cleanup?: () => Promise<void>;
}

/** A minimal 360 document, for tests that write read models directly. */
export function view(customerId: string, revision: number, overrides: Partial<CustomerView> = {}): CustomerView {
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
    contacts: [],
    complaints: [],
    churns: [],
    winBacks: [],
    stages: [{ stage: 'customer', occurredAt: '2026-01-02T00:00:00Z' }],
  };
}

const batch = (customers: CustomerView[], position: number, timeline: TimelineEntry[] = [], fact: CustomerFacts[] = []) => ({
  customers,
  timeline,
  facts: fact,
  checkpoint: { name: 'contract', position },
});

async function listAll(store: ReadStore, query: { stage?: CustomerView['stage'] & string; q?: string; customerIds?: string[] }, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCustomers({ ...query, limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((c) => c.customerId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** `describeFn` lets a suite on infrastructure skip where that infrastructure is absent (see describeWithInfra). */
export function describeReadStoreContract(name: string, factory: () => Promise<ReadStoreFixture>, describeFn: jest.Describe = describe): void {
  describeFn(`ReadStore contract: ${name}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup?.();
    });

    it('starts empty with no checkpoint', async () => {
      expect(await store.getCheckpoint('contract')).toBe(-1);
      expect(await store.getCustomer('nobody')).toBeUndefined();
      expect((await store.listCustomers({ limit: 10 })).items).toEqual([]);
    });

    it('commits documents with their checkpoint and reads them back exactly', async () => {
      const ada = view('ada', 3, { name: 'Ada Lovelace', email: 'ada@example.com', attributes: { 'ü': 'ñ' } });
      await store.commit(batch([ada], 7, [], [facts('ada', 3)]));
      expect(await store.getCustomer('ada')).toEqual(ada);
      expect(await store.getCheckpoint('contract')).toBe(7);
      expect((await store.getCustomers(['ada', 'nobody', 'ada'])).get('ada')).toEqual(ada);
      expect((await store.getFacts(['ada'])).get('ada')).toEqual(facts('ada', 3));
    });

    it('never lets an older revision overwrite a newer document, and never moves a checkpoint back', async () => {
      await store.commit(batch([view('c', 5, { score: 50 })], 10, [], [facts('c', 5, 500)]));
      await store.commit(batch([view('c', 4, { score: 40 })], 9, [], [facts('c', 4, 400)]));
      expect((await store.getCustomer('c'))?.score).toBe(50);
      expect((await store.getFacts(['c'])).get('c')?.purchases[0]?.amount).toBe(500);
      expect(await store.getCheckpoint('contract')).toBe(10);
    });

    it('writes the newer documents of a batch even when others in it are stale', async () => {
      await store.commit(batch([view('s-1', 3), view('s-2', 3), view('s-3', 3)], 1));
      await store.commit(batch([view('s-1', 4, { score: 1 }), view('s-2', 2, { score: 2 }), view('s-3', 4, { score: 3 })], 2));
      const found = await store.getCustomers(['s-1', 's-2', 's-3']);
      expect([...found.values()].map((c) => [c.customerId, c.revision, c.score])).toEqual([
        ['s-1', 4, 1],
        ['s-2', 3, null],
        ['s-3', 4, 3],
      ]);
    });

    it('moves further checkpoints with the batch, forward only', async () => {
      await store.commit({ ...batch([], 5), alsoAdvance: [{ name: 'purchases', position: 4 }] });
      await store.commit({ ...batch([], 6), alsoAdvance: [{ name: 'purchases', position: 2 }] });
      expect(await store.getCheckpoint('purchases')).toBe(4);
      expect(await store.getCheckpoint('contract')).toBe(6);
    });

    it('changes nothing when the same batch is committed twice', async () => {
      const b = batch([view('twice', 1)], 3, [entry('twice', 0, '2026-01-01T00:00:00Z'), entry('twice', 1, '2026-01-02T00:00:00Z')]);
      await store.commit(b);
      await store.commit(b);
      expect((await store.getTimeline('twice', { limit: 10 })).items).toHaveLength(2);
      expect(await listAll(store, {}, 10)).toEqual(['twice']);
    });

    it('pages the list in customerId order with an opaque cursor, filtered by stage and text', async () => {
      const ids = Array.from({ length: 7 }, (_, i) => `p-${i}`);
      await store.commit(
        batch(
          ids.map((id, i) => view(id, 0, { stage: i % 2 ? 'customer' : 'prospect', name: i === 3 ? 'Grace HOPPER' : `n${i}` })),
          1,
        ),
      );
      expect(await listAll(store, {}, 3)).toEqual(ids);
      expect(await listAll(store, { stage: 'customer' }, 2)).toEqual(['p-1', 'p-3', 'p-5']);
      expect(await listAll(store, { q: 'hopper' }, 2)).toEqual(['p-3']);
      expect(await listAll(store, { q: 'P-6' }, 2)).toEqual(['p-6']);
      expect(await listAll(store, { customerIds: ['p-5', 'p-2', 'p-9'] }, 1)).toEqual(['p-2', 'p-5']);
      expect(await listAll(store, { customerIds: ['p-5', 'p-2'], stage: 'customer' }, 5)).toEqual(['p-5']);
      expect(await listAll(store, { customerIds: [] }, 5)).toEqual([]);
    });

    it('treats query text as a plain value, never as a pattern or operator', async () => {
      await store.commit(batch([view('plain', 0, { name: 'a%b_c' }), view('other', 0, { name: 'axbyc' })], 1));
      expect(await listAll(store, { q: '%' }, 10)).toEqual(['plain']);
      expect(await listAll(store, { q: '_' }, 10)).toEqual(['plain']);
      expect(await listAll(store, { q: '{"$gt":""}' }, 10)).toEqual([]);
      expect(await listAll(store, { q: '.*' }, 10)).toEqual([]);
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(store.listCustomers({ limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(store.getTimeline('x', { limit: 1, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('reads a timeline by business time, then revision, in pages', async () => {
      await store.commit(
        batch([], 1, [
          entry('t', 0, '2026-01-05T00:00:00Z'),
          entry('t', 1, '2026-01-01T00:00:00Z'),
          entry('t', 2, '2026-01-05T00:00:00Z'),
          entry('t', 3, '2026-01-03T00:00:00+05:00'),
        ]),
      );
      const first = await store.getTimeline('t', { limit: 2 });
      const rest = await store.getTimeline('t', { limit: 10, cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((e) => e.revision)).toEqual([1, 3, 0, 2]);
      expect(rest.nextCursor).toBeNull();
    });

    it('scans every customer’s facts', async () => {
      await store.commit(batch([], 1, [], Array.from({ length: 1205 }, (_, i) => facts(`f-${String(i).padStart(4, '0')}`, 0))));
      const seen: string[] = [];
      for await (const f of store.scanFacts()) seen.push(f.customerId);
      expect(seen).toHaveLength(1205);
      expect(new Set(seen).size).toBe(1205);
    }, 60_000); // more than one 1,000-document page; FerretDB on SQLite writes ~100 documents/s here

    it('drops everything on reset', async () => {
      await store.commit(batch([view('gone', 0)], 4, [entry('gone', 0, '2026-01-01T00:00:00Z')], [facts('gone', 0)]));
      await store.reset();
      expect(await store.getCustomer('gone')).toBeUndefined();
      expect((await store.getTimeline('gone', { limit: 5 })).items).toEqual([]);
      expect((await store.getFacts(['gone'])).size).toBe(0);
      expect(await store.getCheckpoint('contract')).toBe(-1);
    });
  });
}

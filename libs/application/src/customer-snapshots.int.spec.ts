// Snapshots of the decider's state: a cold load starts from the latest one the
// log still vouches for, folds only what came after, and holds no personal data.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CUSTOMER_STATE_SCHEMA } from '@rapport/domain';
import { InMemorySnapshotStore, type EventStore, type ReadStreamOptions, type RecordedEvent, type SnapshotStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteSnapshotStore } from '@rapport/event-store-sqlite';
import { CustomerCommands, type EventInput } from './customer-commands.service';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const ids = { next: () => randomUUID() };

/** The log, counting the events each stream read hands back. */
function counting(store: EventStore): { store: EventStore; read: () => number } {
  let read = 0;
  const counted = Object.create(store) as EventStore;
  counted.readStream = async (customerId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
    const events = await store.readStream(customerId, options);
    read += events.length;
    return events;
  };
  return { store: counted, read: () => read };
}

const contact = (i: number): EventInput => ({ customerId: 'long', type: 'contacted', occurredAt: '2026-05-01T00:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId: `c-${i}` } });

describe('CustomerCommands with snapshots', () => {
  let dir: string;
  let log: EventStore;
  let snapshots: SnapshotStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-snapshots-'));
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    snapshots = SqliteSnapshotStore.open(path.join(dir, 'snapshots.sqlite'));
  });
  afterEach(async () => {
    await Promise.all([log.close(), snapshots.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** 1 identity, 1 purchase, 1 open complaint, then contacts: `length` events in all, recorded in groups of 250. */
  async function history(commands: CustomerCommands, length: number): Promise<void> {
    const first: EventInput[] = [
      { customerId: 'long', type: 'identified', occurredAt: '2026-04-01T00:00:00Z', data: { name: 'Ada Lovelace', email: 'ada@example.org' } },
      { customerId: 'long', type: 'purchased', occurredAt: '2026-04-02T00:00:00Z', data: { orderId: 'o-1', amount: 4999, currency: 'EUR' } },
      { customerId: 'long', type: 'complained', occurredAt: '2026-04-03T00:00:00Z', data: { complaintId: 'k-1', category: 'delivery', severity: 'high', description: 'Parcel left in the rain' } },
    ];
    const inputs = [...first, ...Array.from({ length: length - first.length }, (_, i) => contact(i))];
    for (let at = 0; at < inputs.length; at += 250) {
      const outcomes = await commands.recordAll('long', inputs.slice(at, at + 250));
      expect(outcomes.every((o) => o.status === 'recorded')).toBe(true);
    }
  }

  it('takes a snapshot every `snapshotEvery` events, and a cold load folds only the events after the latest', async () => {
    await history(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 1_000 }), 2_600);
    // Taken on the appends that went 1,000 past the last one: at revisions 999 + the group's end.
    const taken = await snapshots.latest('long', CUSTOMER_STATE_SCHEMA);
    expect(taken?.revision).toBe(1_999);
    const counted = counting(log);
    const cold = new CustomerCommands(counted.store, clock, ids, { snapshots, snapshotEvery: 1_000 });
    const outcome = await cold.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-05-02T00:00:00Z', data: { orderId: 'o-2', amount: 100, currency: 'EUR' } });
    expect(outcome).toMatchObject({ status: 'recorded', revision: 2_600 });
    // The event the snapshot was folded through (its hash checked), then the 600 after it.
    expect(counted.read()).toBe(1 + 600);
    // The restored state knows what came before the snapshot: the first order again is its duplicate, a second
    // purchase made the customer a repeat one, and the complaint is still open to resolve.
    await expect(cold.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-04-02T00:00:00Z', data: { orderId: 'o-1', amount: 4999, currency: 'EUR' } })).resolves.toMatchObject({ status: 'duplicate', revision: 1 });
    await expect(cold.record({ customerId: 'long', type: 'complaint_resolved', occurredAt: '2026-05-03T00:00:00Z', data: { complaintId: 'k-1', resolution: 'refunded' } })).resolves.toMatchObject({ status: 'recorded', revision: 2_601 });
  });

  it('decides every event as a cold load without snapshots does', async () => {
    await history(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 100 }), 1_050);
    const probes: EventInput[] = [
      { customerId: 'long', type: 'purchased', occurredAt: '2026-04-02T00:00:00Z', data: { orderId: 'o-1', amount: 1, currency: 'EUR' } },
      { customerId: 'long', type: 'churned', occurredAt: '2026-05-04T00:00:00Z', data: { reason: 'voluntary' } },
      { customerId: 'long', type: 'churned', occurredAt: '2026-05-05T00:00:00Z', data: { reason: 'voluntary' } },
      { customerId: 'long', type: 'complaint_resolved', occurredAt: '2026-05-06T00:00:00Z', data: { complaintId: 'k-2', resolution: 'refunded' } },
    ];
    const withSnapshots = await new CustomerCommands(log, clock, ids, { snapshots }).recordAll('long', probes);
    // The same probes on a second stream of the same history, folded from its first event.
    const plainLog = SqliteEventStore.open(':memory:');
    try {
      const plain = new CustomerCommands(plainLog, clock, ids);
      await history(plain, 1_050);
      const cold = await new CustomerCommands(plainLog, clock, ids).recordAll('long', probes);
      const codes = (outcomes: typeof cold) => outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status));
      expect(codes(cold)).toEqual(['CONFLICTING_DUPLICATE', 'recorded', 'ALREADY_CHURNED', 'COMPLAINT_NOT_OPEN']);
      expect(codes(withSnapshots)).toEqual(codes(cold));
    } finally {
      await plainLog.close();
    }
  });

  it('keeps no personal data in a snapshot', async () => {
    await history(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 100 }), 300);
    const taken = await snapshots.latest('long', CUSTOMER_STATE_SCHEMA);
    expect(taken?.revision).toBeGreaterThanOrEqual(100);
    const json = JSON.stringify(taken);
    for (const personal of ['Ada', 'ada@example.org', 'Parcel left in the rain']) expect(json).not.toContain(personal);
    expect(json).toContain('o-1');
  });

  it("folds from the first event when the log does not hold the event a snapshot was folded through (another log's stream)", async () => {
    await history(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 100 }), 300);
    const otherLog = SqliteEventStore.open(':memory:');
    try {
      // The same customer id on another log: two contacts, no purchase.
      const other = new CustomerCommands(otherLog, clock, ids);
      await other.recordAll('long', [contact(1), contact(2)]);
      const counted = counting(otherLog);
      const cold = new CustomerCommands(counted.store, clock, ids, { snapshots });
      // Unknown to this log's stream: a first order, recorded as the stream's third event.
      await expect(cold.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-04-02T00:00:00Z', data: { orderId: 'o-1', amount: 4999, currency: 'EUR' } })).resolves.toMatchObject({
        status: 'recorded',
        revision: 2,
      });
      // Nothing at the snapshot's revision on this log, then its two events from the first.
      expect(counted.read()).toBe(2);
    } finally {
      await otherLog.close();
    }
  });

  it('ignores a snapshot taken under another version of the fold', async () => {
    await history(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 100 }), 300);
    const taken = (await snapshots.latest('long', CUSTOMER_STATE_SCHEMA))!;
    // The only snapshot a new store holds: one under another schema, that says the order was never made.
    const other = new InMemorySnapshotStore();
    await other.save('long', 'customer-state/0', { ...taken, state: { ...(taken.state as object), orders: {}, orderCount: 0 } });
    const cold = new CustomerCommands(log, clock, ids, { snapshots: other });
    await expect(cold.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-04-02T00:00:00Z', data: { orderId: 'o-1', amount: 4999, currency: 'EUR' } })).resolves.toMatchObject({ status: 'duplicate', revision: 1 });
  });

  it('goes on from the log when the snapshots fail, and says so', async () => {
    await history(new CustomerCommands(log, clock, ids), 300);
    const failing = new InMemorySnapshotStore();
    failing.latest = () => Promise.reject(new Error('disk gone'));
    failing.save = () => Promise.reject(new Error('disk gone'));
    const errors: string[] = [];
    const cold = new CustomerCommands(log, clock, ids, { snapshots: failing, snapshotEvery: 100, onSnapshotError: (error) => errors.push((error as Error).message) });
    await expect(cold.record(contact(9_999))).resolves.toMatchObject({ status: 'recorded', revision: 300 });
    // Read once on the cold load; kept after the load (300 events folded) and again after the append.
    expect(errors).toEqual(['disk gone', 'disk gone', 'disk gone']);
  });
});

// A batch's states read for the whole batch at once (prefetch): the same
// decisions as one read per customer, in a few reads, and a stale prefetched
// state never decides anything wrongly.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CUSTOMER_STATE_SCHEMA } from '@rapport/domain';
import { type EventStore, type RecordedEvent, type SnapshotStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteSnapshotStore } from '@rapport/event-store-sqlite';
import { CustomerCommands, type EventInput, type RecordOutcome } from './customer-commands.service';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const ids = { next: () => randomUUID() };

/** The log, noting each stream read one customer at a time. */
function counting(store: EventStore): { store: EventStore; streamsRead: string[] } {
  const streamsRead: string[] = [];
  const counted = Object.create(store) as EventStore;
  counted.readStream = (customerId, options) => {
    streamsRead.push(customerId);
    return store.readStream(customerId, options);
  };
  return { store: counted, streamsRead };
}

const at = (day: number): string => new Date(Date.UTC(2026, 4, day)).toISOString();
const purchase = (customerId: string, orderId: string, day: number, eventId?: string): EventInput => ({
  customerId,
  type: 'purchased',
  occurredAt: at(day),
  data: { orderId, amount: 1_000 + day, currency: 'EUR' },
  ...(eventId ? { eventId } : {}),
});
const churn = (customerId: string, day: number): EventInput => ({ customerId, type: 'churned', occurredAt: at(day), data: { reason: 'voluntary' } });
const contact = (customerId: string, day: number, eventId: string): EventInput => ({
  customerId,
  eventId,
  type: 'contacted',
  occurredAt: at(day),
  data: { channel: 'email', direction: 'outbound' },
});
const identify = (customerId: string, day: number): EventInput => ({ customerId, type: 'identified', occurredAt: at(day), data: { name: `Name of ${customerId}`, email: `${customerId}@example.org` } });

/** Outcomes as the answer shows them, without the ids and positions two logs assign differently. */
const shape = (outcomes: readonly RecordOutcome[]): unknown[] =>
  outcomes.map((o) => (o.status === 'rejected' ? [o.status, o.code] : [o.status, o.revision]));
/** A stream as a decision left it, without the log's own ids, instants and hashes. */
const contents = (events: readonly RecordedEvent[]): unknown[] => events.map((e) => [e.revision, e.type, e.data]);

describe('CustomerCommands.prefetch on the SQLite log', () => {
  let dir: string;
  const open: { close(): Promise<void> }[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-prefetch-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function stores(name: string): { log: EventStore; snapshots: SnapshotStore } {
    const log = SqliteEventStore.open(path.join(dir, `${name}.sqlite`));
    const snapshots = SqliteSnapshotStore.open(path.join(dir, `${name}.snapshots.sqlite`));
    open.push(log, snapshots);
    return { log, snapshots };
  }

  /** Histories of every kind a batch meets: new, short, churned, cached, and long enough to have a snapshot. */
  async function seed(commands: CustomerCommands): Promise<void> {
    await commands.recordAll('short', [identify('short', 1), purchase('short', 'o-1', 2)]);
    await commands.recordAll('gone', [purchase('gone', 'o-1', 1), churn('gone', 3)]);
    const long = Array.from({ length: 30 }, (_, i) => purchase('long', `o-${i}`, 1 + (i % 28)));
    await commands.recordAll('long', long);
  }

  /** One batch over those customers: duplicates by order and by eventId, refusals, and new customers. */
  function batch(knownEventId: string): { customerId: string; inputs: EventInput[] }[] {
    return [
      { customerId: 'short', inputs: [purchase('short', 'o-1', 2), purchase('short', 'o-2', 9)] },
      { customerId: 'gone', inputs: [churn('gone', 10), purchase('gone', 'o-2', 11)] },
      { customerId: 'long', inputs: [purchase('long', 'o-3', 4), purchase('long', 'o-99', 20, knownEventId)] },
      { customerId: 'new-1', inputs: [identify('new-1', 5), purchase('new-1', 'o-1', 6)] },
      { customerId: 'new-2', inputs: [purchase('new-2', 'o-1', 7, knownEventId)] },
    ];
  }

  it('decides a batch exactly as reading each customer alone does, with no read per customer', async () => {
    const eventId = randomUUID();
    const results: { outcomes: unknown[]; streams: unknown[] }[] = [];
    for (const prefetching of [false, true]) {
      const { log, snapshots } = stores(prefetching ? 'prefetched' : 'alone');
      await seed(new CustomerCommands(log, clock, ids, { snapshots, snapshotEvery: 10 }));
      // A cold writer (a restart): only `short` is in its cache, `long` restores from its snapshot.
      const counted = counting(log);
      const commands = new CustomerCommands(counted.store, clock, ids, { snapshots, snapshotEvery: 10 });
      await commands.record(purchase('short', 'o-1', 2));
      const groups = batch(eventId);
      counted.streamsRead.length = 0;
      const prefetched = prefetching ? await commands.prefetch(groups.map((g) => g.customerId)) : undefined;
      const outcomes: unknown[] = [];
      for (const { customerId, inputs } of groups) outcomes.push(shape(await commands.recordAll(customerId, inputs, {}, prefetched)));
      // Prefetched, a stream is read alone only to decide again: `new-2`'s eventId, which `long` recorded first,
      // fails its append on the log's unique index.
      if (prefetching) expect(counted.streamsRead).toEqual(['new-2']);
      // Alone, every customer is read: `short` too, cached but answered a duplicate, which no append checks.
      else expect(new Set(counted.streamsRead)).toEqual(new Set(groups.map((g) => g.customerId)));
      const streams = await Promise.all(groups.map(async ({ customerId }) => contents(await log.readStream(customerId))));
      results.push({ outcomes, streams });
    }
    expect(results[1]).toEqual(results[0]);
    // What the batch decided, said once: the first order again is a duplicate; a churned customer is refused a
    // second churn, and its purchase wins it back (won_back, then purchased); the eventId `long` recorded is a
    // conflicting duplicate when `new-2` sends it with another payload.
    expect(results[0]!.outcomes).toEqual([
      [
        ['duplicate', 1],
        ['recorded', 2],
      ],
      [
        ['rejected', 'ALREADY_CHURNED'],
        ['recorded', 3],
      ],
      [
        ['duplicate', 3],
        ['recorded', 30],
      ],
      [
        ['recorded', 0],
        ['recorded', 1],
      ],
      [['rejected', 'CONFLICTING_DUPLICATE']],
    ]);
  });

  it('decides again from the log when another writer appended after the prefetch', async () => {
    const { log } = stores('stale');
    const a = new CustomerCommands(log, clock, ids);
    const b = new CustomerCommands(log, clock, ids);
    await a.record(purchase('raced', 'o-1', 1));
    const eventId = randomUUID();
    const inputs = [churn('raced', 5), contact('raced', 6, eventId)];
    const prefetched = await a.prefetch(['raced']);
    // Between the prefetch and the decision, another writer churns the customer and records the eventId.
    await b.recordAll('raced', [churn('raced', 4), contact('raced', 6, eventId)]);
    const outcomes = await a.recordAll('raced', inputs, {}, prefetched);
    expect(outcomes).toMatchObject([
      { status: 'rejected', code: 'ALREADY_CHURNED' },
      { status: 'duplicate', revision: 2 },
    ]);
    expect((await log.readStream('raced')).map((e) => e.type)).toEqual(['purchased', 'churned', 'contacted']);
  });

  it('leaves out a customer whose snapshot the log does not vouch for, who is then folded from the log', async () => {
    const { log, snapshots } = stores('foreign');
    await new CustomerCommands(log, clock, ids).recordAll('k', [purchase('k', 'o-1', 1), churn('k', 2)]);
    // A snapshot of another log's stream of the same name: a state that never churned.
    await snapshots.save('k', CUSTOMER_STATE_SCHEMA, { revision: 1, eventHash: 'f'.repeat(64), state: { version: 2 } });
    const commands = new CustomerCommands(log, clock, ids, { snapshots });
    const prefetched = await commands.prefetch(['k']);
    expect(prefetched.take('k')).toBeUndefined();
    await expect(commands.recordAll('k', [churn('k', 3)], {}, prefetched)).resolves.toMatchObject([{ status: 'rejected', code: 'ALREADY_CHURNED' }]);
  });
});

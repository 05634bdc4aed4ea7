// One customer with a very long stream must neither take quadratic time to
// fold nor hold the event loop while it is replayed: every other request
// (health checks included) waits on the same thread.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { AuditService } from './audit.service';
import { CustomerCommands } from './customer-commands.service';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const ids = { next: () => randomUUID() };
const LENGTH = 20_001;

/** Counts turns of the event loop until stopped: a replay that never yields leaves it near zero. */
function countTurns(): { stop(): number } {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop() {
      running = false;
      return turns;
    },
  };
}

describe('a stream 20,001 events long', () => {
  let dir: string;
  let store: EventStore;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-long-stream-'));
    store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    // Straight into the log (the decider's rules are not under test here): half orders, half contacts.
    for (let from = 0; from < LENGTH; from += 500) {
      const events: NewEvent[] = [];
      for (let i = from; i < Math.min(LENGTH, from + 500); i++) {
        events.push(
          i % 2 === 0
            ? { eventId: randomUUID(), type: 'purchased', occurredAt: '2026-05-01T00:00:00Z', data: { orderId: `o-${i}`, amount: 100, currency: 'USD' }, metadata: {} }
            : { eventId: randomUUID(), type: 'contacted', occurredAt: '2026-05-01T00:00:00Z', data: { channel: 'email', direction: 'outbound' }, metadata: {} },
        );
      }
      await store.append('long', events, from === 0 ? 'no_stream' : from - 1);
    }
  }, 120_000);
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes its next append on a cold cache (as after a restart), letting the event loop turn while it replays', async () => {
    const commands = new CustomerCommands(store, clock, ids);
    const turns = countTurns();
    const outcome = await commands.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-05-02T00:00:00Z', data: { orderId: 'next', amount: 1, currency: 'USD' } });
    expect(turns.stop()).toBeGreaterThanOrEqual(10);
    expect(outcome).toMatchObject({ status: 'recorded', revision: LENGTH });
    // The folded state knew every order: an old order id again is a duplicate of it.
    const again = await commands.record({ customerId: 'long', type: 'purchased', occurredAt: '2026-05-03T00:00:00Z', data: { orderId: 'o-0', amount: 100, currency: 'USD' } });
    expect(again).toMatchObject({ status: 'duplicate', revision: 0 });
  }, 60_000);

  it('replays audit state at revision 19,999 page by page, letting the event loop turn', async () => {
    const audit = new AuditService(store);
    const turns = countTurns();
    const replayed = await audit.stateAt('long', { atRevision: 19_999 });
    expect(turns.stop()).toBeGreaterThanOrEqual(10);
    expect(replayed).toMatchObject({ revision: 19_999, eventsApplied: 20_000, state: { version: 20_000, stage: 'repeat', orderCount: 10_000 } });
  }, 60_000);

  it('replays audit state as of an instant over the whole stream', async () => {
    const audit = new AuditService(store);
    const replayed = await audit.stateAt('long', { asOf: new Date('2999-01-01T00:00:00Z') });
    expect(replayed?.revision).toBe(LENGTH);
    expect(replayed?.eventsApplied).toBe(LENGTH + 1);
    const none = await audit.stateAt('long', { asOf: new Date('2000-01-01T00:00:00Z') });
    expect(none).toMatchObject({ revision: -1, eventsApplied: 0 });
  }, 60_000);
});

describe('eventIds across customers', () => {
  let dir: string;
  let store: EventStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-event-ids-'));
    store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses another customer's eventId as CONFLICTING_DUPLICATE, and still takes the owner's retry as a duplicate", async () => {
    const commands = new CustomerCommands(store, clock, ids);
    const eventId = randomUUID();
    const grace = { customerId: 'grace', eventId, type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { name: 'Grace Hopper' } } as const;
    expect(await commands.record(grace)).toMatchObject({ status: 'recorded', revision: 0 });
    const mallory = await commands.record({ ...grace, customerId: 'mallory' });
    expect(mallory).toMatchObject({ status: 'rejected', code: 'CONFLICTING_DUPLICATE' });
    expect(JSON.stringify(mallory)).not.toContain('Grace');
    expect(await commands.record(grace)).toMatchObject({ status: 'duplicate', revision: 0 });
    expect(await commands.record({ ...grace, data: { name: 'Someone Else' } })).toMatchObject({ status: 'rejected', code: 'CONFLICTING_DUPLICATE' });
    expect(await store.readStream('mallory')).toHaveLength(0);
  });

  it('takes an eventId repeated inside one group as a duplicate of the first, or a conflict if its payload differs', async () => {
    const commands = new CustomerCommands(store, clock, ids);
    const eventId = randomUUID();
    const contact = { customerId: 'g', eventId, type: 'contacted', occurredAt: '2026-05-01T00:00:00Z', data: { channel: 'email', direction: 'outbound' } } as const;
    const outcomes = await commands.recordAll('g', [contact, contact, { ...contact, data: { channel: 'phone', direction: 'outbound' } }]);
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'duplicate', 'rejected']);
    expect(outcomes[2]).toMatchObject({ code: 'CONFLICTING_DUPLICATE' });
    expect(await store.readStream('g')).toHaveLength(1);
  });
});

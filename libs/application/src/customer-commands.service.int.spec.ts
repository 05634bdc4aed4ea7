import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { verifyChain, type EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { CustomerCommands, type EventInput } from './customer-commands.service';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const ids = { next: () => randomUUID() };

function contacted(customerId: string, campaignId: string): EventInput {
  return { customerId, type: 'contacted', occurredAt: '2026-05-01T00:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId } };
}

describe('CustomerCommands on the SQLite log', () => {
  let dir: string;
  let store: EventStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-commands-'));
    store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records 50 racing unconditional appends to one customer as revisions 0..49, losing none', async () => {
    // Separate service instances share nothing but the log, like separate API processes.
    const writers = Array.from({ length: 5 }, () => new CustomerCommands(store, clock, ids));
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => writers[i % writers.length]!.record(contacted('busy', `c-${i}`))),
    );
    expect(outcomes.every((o) => o.status === 'recorded')).toBe(true);
    const events = await store.readStream('busy');
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(events.map((e) => (e.data as { campaignId: string }).campaignId)).size).toBe(50);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('re-decides after losing a race, so a rule still holds: only one of two racing churns lands', async () => {
    const a = new CustomerCommands(store, clock, ids);
    const b = new CustomerCommands(store, clock, ids);
    await a.record({ customerId: 'racer', type: 'purchased', occurredAt: '2026-05-01T00:00:00Z', data: { orderId: 'o', amount: 1, currency: 'USD' } });
    const churn = (reason: 'voluntary' | 'competitor'): EventInput => ({ customerId: 'racer', type: 'churned', occurredAt: '2026-05-02T00:00:00Z', data: { reason } });
    const outcomes = await Promise.all([a.record(churn('voluntary')), b.record(churn('competitor'))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['recorded', 'rejected']);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ code: 'ALREADY_CHURNED' });
    expect((await store.readStream('racer')).map((e) => e.type)).toEqual(['purchased', 'churned']);
  });

  it('treats the same eventId sent twice concurrently as one event and one duplicate', async () => {
    const eventId = randomUUID();
    const commands = [new CustomerCommands(store, clock, ids), new CustomerCommands(store, clock, ids)];
    const outcomes = await Promise.all(commands.map((c) => c.record({ ...contacted('twice', 'x'), eventId })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'recorded']);
    expect(await store.readStream('twice')).toHaveLength(1);
  });

  it('sees events appended by another writer since its cached state', async () => {
    const a = new CustomerCommands(store, clock, ids);
    const b = new CustomerCommands(store, clock, ids);
    await a.record({ customerId: 'shared', type: 'purchased', occurredAt: '2026-05-01T00:00:00Z', data: { orderId: 'o1', amount: 1, currency: 'USD' } });
    await b.record({ customerId: 'shared', type: 'churned', occurredAt: '2026-05-02T00:00:00Z', data: { reason: 'other' } });
    // a's cache says "customer"; the log says "churned": a must re-read and refuse a second churn.
    const again = await a.record({ customerId: 'shared', type: 'churned', occurredAt: '2026-05-03T00:00:00Z', data: { reason: 'other' } });
    expect(again).toMatchObject({ status: 'rejected', code: 'ALREADY_CHURNED' });
  });

  it('refuses a conditional append whose If-Match revision is stale, recording nothing', async () => {
    const commands = new CustomerCommands(store, clock, ids);
    await commands.record(contacted('cond', 'a'));
    const stale = await commands.record(contacted('cond', 'b'), { expectedRevision: 5 });
    expect(stale).toMatchObject({ status: 'rejected', code: 'REVISION_MISMATCH' });
    const fresh = await commands.record(contacted('cond', 'c'), { expectedRevision: 0 });
    expect(fresh).toMatchObject({ status: 'recorded', revision: 1 });
    expect(await store.readStream('cond')).toHaveLength(2);
  });

  it('decides a group of one customer in order and appends the accepted ones together', async () => {
    const commands = new CustomerCommands(store, clock, ids);
    const outcomes = await commands.recordAll('group', [
      { customerId: 'group', type: 'purchased', occurredAt: '2026-05-01T00:00:00Z', data: { orderId: 'g1', amount: 1, currency: 'USD' } },
      { customerId: 'group', type: 'won_back', occurredAt: '2026-05-02T00:00:00Z', data: { via: 'offer' } },
      { customerId: 'group', type: 'churned', occurredAt: '2026-05-03T00:00:00Z', data: { reason: 'inactivity' } },
      { customerId: 'group', type: 'purchased', occurredAt: '2026-05-04T00:00:00Z', data: { orderId: 'g2', amount: 1, currency: 'USD' } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'rejected', 'recorded', 'recorded']);
    expect((await store.readStream('group')).map((e) => e.type)).toEqual(['purchased', 'churned', 'purchased', 'won_back']);
  });
});

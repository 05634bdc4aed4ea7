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

  it('answers a retried event that has no natural key as a duplicate, though it is not looked up before its append', async () => {
    const commands = new CustomerCommands(store, clock, ids);
    const eventId = randomUUID();
    const first = await commands.record({ ...contacted('retry', 'a'), eventId });
    // Accepted by the decider (a contact has no orderId), refused by the log's unique index, decided again.
    const again = await commands.record({ ...contacted('retry', 'a'), eventId });
    expect(first).toMatchObject({ status: 'recorded', revision: 0 });
    expect(again).toMatchObject({ status: 'duplicate', revision: 0 });
    expect(again.status === 'duplicate' && again.event.eventId).toBe(eventId);
    // The same id with another payload is a conflict, and an id recorded on another stream one too.
    await expect(commands.record({ ...contacted('retry', 'b'), eventId })).resolves.toMatchObject({ status: 'rejected', code: 'CONFLICTING_DUPLICATE' });
    await expect(commands.record({ ...contacted('elsewhere', 'a'), eventId })).resolves.toMatchObject({ status: 'rejected', code: 'CONFLICTING_DUPLICATE' });
    // A retried churn: refused by the decider (already churned) until it is looked up, then the duplicate it is.
    await commands.record({ customerId: 'retry-churn', type: 'purchased', occurredAt: '2026-05-01T00:00:00Z', data: { orderId: 'o1', amount: 1, currency: 'USD' } });
    const churn: EventInput = { customerId: 'retry-churn', eventId: randomUUID(), type: 'churned', occurredAt: '2026-05-02T00:00:00Z', data: { reason: 'other' } };
    await expect(commands.record(churn)).resolves.toMatchObject({ status: 'recorded', revision: 1 });
    await expect(commands.record(churn)).resolves.toMatchObject({ status: 'duplicate', revision: 1 });
    expect(await store.readStream('retry')).toHaveLength(1);
    expect(await store.readStream('retry-churn')).toHaveLength(2);
    expect(await store.readStream('elsewhere')).toHaveLength(0);
  });

  it('appends on a cached state another writer moved past, at the right revision, and answers If-Match from the log', async () => {
    const a = new CustomerCommands(store, clock, ids);
    const b = new CustomerCommands(store, clock, ids);
    await a.record(contacted('moved', 'a-1'));
    await b.record(contacted('moved', 'b-1'));
    await b.record(contacted('moved', 'b-2'));
    // a's cache says revision 0; the log is at 2. An If-Match on the log's revision holds.
    await expect(a.record(contacted('moved', 'a-2'), { expectedRevision: 2 })).resolves.toMatchObject({ status: 'recorded', revision: 3 });
    await b.record(contacted('moved', 'b-3'));
    // Unconditional: the stale append fails on the expected revision and is decided again.
    await expect(a.record(contacted('moved', 'a-3'))).resolves.toMatchObject({ status: 'recorded', revision: 5 });
    const events = await store.readStream('moved');
    expect(events.map((e) => (e.data as { campaignId: string }).campaignId)).toEqual(['a-1', 'b-1', 'b-2', 'a-2', 'b-3', 'a-3']);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('answers a second erasure on a cached state only after reading what another writer appended since', async () => {
    const a = new CustomerCommands(store, clock, ids);
    const b = new CustomerCommands(store, clock, ids);
    const identified = (email: string): EventInput => ({ customerId: 'erased', type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { email } });
    const erase: EventInput = { customerId: 'erased', type: 'personal_data_erased', occurredAt: '2026-05-02T00:00:00Z', data: {} };
    await a.record(identified('old@example.org'));
    await expect(a.record(erase)).resolves.toMatchObject({ status: 'recorded', revision: 1 });
    // Asked again with nothing personal since: the duplicate of that erasure.
    await expect(a.record(erase)).resolves.toMatchObject({ status: 'duplicate', revision: 1 });
    // New personal data through another writer: a's cached state still says "erased, nothing personal since".
    await b.record(identified('new@example.org'));
    await expect(a.record(erase)).resolves.toMatchObject({ status: 'recorded', revision: 3 });
    expect((await store.readStream('erased')).map((e) => e.type)).toEqual(['identified', 'personal_data_erased', 'identified', 'personal_data_erased']);
  });
});

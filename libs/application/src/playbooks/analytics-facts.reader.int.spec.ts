// The facts playbook conditions read, for every customer at once, are what
// the analytics answer for each one alone (the 360's figures).
import { randomUUID } from 'node:crypto';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { AnalyticsService } from '../analytics.service';
import { CustomerCommands } from '../customer-commands.service';
import { CustomerReadModels } from '../customer-read-models';
import { LogSubscription } from '../log-subscription';
import { ProjectionHandler } from '../projection-handler';
import { syntheticPurchases } from '../testing/synthetic-buyers';
import { AnalyticsFactsReader } from './analytics-facts.reader';

const NOW = new Date('2026-06-01T10:30:00Z');
const HOUR = '2026-06-01T10:00:00.000Z';

describe('AnalyticsFactsReader', () => {
  let log: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let readModels: CustomerReadModels;
  let subscription: LogSubscription;
  let commands: CustomerCommands;
  const clock = { now: () => new Date(NOW) };
  let orders = 0;

  const buy = async (customerId: string, day: number, amount: number, currency = 'USD') => {
    const occurredAt = new Date(Date.parse('2025-06-01T12:00:00Z') + day * 86_400_000).toISOString();
    const outcome = await commands.record({ customerId, type: 'purchased', occurredAt, data: { orderId: `o${orders++}`, amount, currency } });
    expect(outcome.status).toBe('recorded');
  };

  beforeEach(async () => {
    log = SqliteEventStore.open(':memory:');
    documents = SqliteDocumentStore.open(':memory:', collectionsOf(READ_MODELS));
    readModels = new CustomerReadModels(documents);
    subscription = new LogSubscription(log, new ProjectionHandler(documents), documents);
    commands = new CustomerCommands(log, clock, { next: () => randomUUID() });
    for (const { customerId, occurredAt, amount, currency } of syntheticPurchases(150)) {
      const outcome = await commands.record({ customerId, type: 'purchased', occurredAt, data: { orderId: `o${orders++}`, amount, currency } });
      expect(outcome.status).toBe('recorded');
    }
    await commands.record({ customerId: 'prospect', type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} });
    await subscription.catchUp();
  });
  afterEach(async () => {
    await Promise.all([log.close(), readModels.close()]);
  });

  it('answers for each customer what the analytics answer for them alone: as of the hour, and read for everyone as of a signal’s instant', async () => {
    const analytics = new AnalyticsService(readModels);
    const reader = new AnalyticsFactsReader(analytics, 'USD', clock);
    for (const asOf of [HOUR, '2026-05-20T00:00:00.000Z']) {
      const rfm = await analytics.rfm(asOf, 'USD');
      let withValue = 0;
      for (const customerId of [...Array.from({ length: 150 }, (_, c) => `c-${c}`), 'prospect', 'nobody']) {
        const prediction = await analytics.predict(customerId, asOf, 'USD', 52);
        const expected = {
          segment: rfm.customers.find((c) => c.customerId === customerId)?.segment ?? null,
          pAlive: prediction?.pAlive ?? null,
          clv: prediction?.clv ?? null,
          valueRank: await analytics.valueRank(customerId, asOf, 'USD', 52),
        };
        const read = asOf === HOUR ? await reader.read(customerId) : await reader.read(customerId, asOf);
        expect([customerId, read]).toEqual([customerId, expected]);
        if (read.clv !== null) withValue++;
      }
      // The comparison covered customers with every figure known, and some without.
      expect(withValue).toBeGreaterThan(60);
    }
    expect(await reader.read('prospect')).toEqual({ segment: null, pAlive: null, clv: null, valueRank: null });
  });

  it('reads the customer afresh for a decision on an event: a purchase projected since the last read shows at once', async () => {
    const reader = new AnalyticsFactsReader(new AnalyticsService(readModels), 'USD', clock);
    expect((await reader.read('newcomer')).pAlive).toBeNull();
    await buy('newcomer', 300, 4_000);
    await buy('newcomer', 340, 4_000);
    await subscription.catchUp();
    const read = await reader.read('newcomer');
    expect(read.pAlive).toEqual(expect.any(Number));
    expect(read.segment).toEqual(expect.any(String));
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { collectionsOf, type DocumentStore } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { CustomerCommands } from './customer-commands.service';
import { CustomerReadModels } from './customer-read-models';
import { LogSubscription, READ_MODELS_CHECKPOINT, type LogSubscriptionOptions } from './log-subscription';
import { ProjectionHandler } from './projection-handler';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const ids = { next: () => randomUUID() };

const openDocuments = (file: string) => SqliteDocumentStore.open(file, collectionsOf(READ_MODELS));

/** A subscription from the log to the read models in `store`. */
const subscribe = (log: SqliteEventStore, store: DocumentStore, options: LogSubscriptionOptions = {}) =>
  new LogSubscription(log, new ProjectionHandler(store), store, options);

async function dump(store: DocumentStore, customerIds: string[]) {
  const readModels = new CustomerReadModels(store);
  const docs = await readModels.getCustomers(customerIds);
  const timelines = await Promise.all(customerIds.map((id) => readModels.getTimeline(id, { limit: 1000 })));
  const facts = await readModels.getFacts(customerIds);
  return JSON.stringify({ docs: [...docs.entries()].sort(), timelines, facts: [...facts.entries()].sort() });
}

describe('LogSubscription and ProjectionHandler', () => {
  let dir: string;
  let log: SqliteEventStore;
  let readStore: SqliteDocumentStore;
  const customers = ['p1', 'p2', 'p3'];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-runner-'));
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    readStore = openDocuments(path.join(dir, 'read.sqlite'));
    const commands = new CustomerCommands(log, clock, ids);
    for (const [i, id] of customers.entries()) {
      await commands.record({ customerId: id, type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: { name: `P ${i}` } });
      for (let n = 0; n <= i; n++) {
        await commands.record({ customerId: id, type: 'purchased', occurredAt: `2026-02-0${n + 1}T00:00:00Z`, data: { orderId: `o${n}`, amount: 100, currency: 'USD' } });
      }
    }
  });
  afterEach(async () => {
    await Promise.all([log.close(), readStore.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('catches up from the log and stores its checkpoint with the documents', async () => {
    const runner = subscribe(log, readStore);
    const position = await runner.catchUp();
    expect(position).toBe(await log.headPosition());
    expect(await readStore.getCheckpoint(READ_MODELS_CHECKPOINT)).toBe(position);
    const p3 = await new CustomerReadModels(readStore).getCustomer('p3');
    expect(p3).toMatchObject({ stage: 'repeat', purchases: { count: 3, byCurrency: { USD: { orders: 3, amount: 300 } } } });
  });

  it('changes nothing when the same batch is delivered twice or the log is replayed', async () => {
    const runner = subscribe(log, readStore);
    await runner.catchUp();
    const once = await dump(readStore, customers);
    const everything = await log.readAll();
    const again = await new ProjectionHandler(readStore).handle(everything, READ_MODELS_CHECKPOINT);
    expect(again.applied).toBe(0);
    expect(await dump(readStore, customers)).toBe(once);
  });

  it('rebuilds to exactly what incremental projection produced, in any batch size', async () => {
    await subscribe(log, readStore, { batchSize: 1 }).catchUp();
    const incremental = await dump(readStore, customers);
    const fresh = openDocuments(path.join(dir, 'fresh.sqlite'));
    await subscribe(log, fresh, { batchSize: 1000 }).rebuild();
    expect(await dump(fresh, customers)).toBe(incremental);
    await fresh.close();
  });

  it('keeps retrying a batch the read store cannot write, backing off, says why, and catches up once it can', async () => {
    let refuse = true;
    const attempts: number[] = [];
    // The read store as on a full disk: every commit fails until there is room again.
    const full = new Proxy(readStore, {
      get(target, property) {
        if (property === 'commit') {
          return (...args: Parameters<SqliteDocumentStore['commit']>) => {
            attempts.push(performance.now());
            return refuse ? Promise.reject(new Error('database or disk is full')) : target.commit(...args);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const runner = subscribe(log, full, { retryDelayMs: 20, maxRetryDelayMs: 80 });
    await runner.start();
    try {
      while (attempts.length < 6) await new Promise((r) => setTimeout(r, 10));
      expect(runner.status).toMatchObject({ running: true, position: -1, lastError: { message: 'database or disk is full' } });
      expect(runner.status.lastError!.failures).toBeGreaterThanOrEqual(5);
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // 20, 40, 80, then capped at 80 ms.
      expect(gaps[0]).toBeLessThan(60);
      expect(gaps[3]).toBeGreaterThanOrEqual(75);
      expect(gaps[4]).toBeLessThan(250);
      refuse = false;
      expect(await runner.waitFor(await log.headPosition(), 5000)).toBe(true);
      expect(runner.status.lastError).toBeUndefined();
    } finally {
      await runner.stop();
    }
  });

  it('follows new events and wakes read-your-writes waiters', async () => {
    const runner = subscribe(log, readStore);
    await runner.start();
    const commands = new CustomerCommands(log, clock, ids);
    const outcome = await commands.record({ customerId: 'live', type: 'identified', occurredAt: '2026-03-01T00:00:00Z', data: { name: 'Live' } });
    if (outcome.status !== 'recorded') throw new Error('not recorded');
    expect(await runner.waitFor(outcome.events[0]!.position, 5000)).toBe(true);
    expect(await new CustomerReadModels(readStore).getCustomer('live')).toMatchObject({ name: 'Live', stage: 'prospect' });
    await runner.stop();
    expect(await runner.waitFor(Number.MAX_SAFE_INTEGER, 10)).toBe(false);
  });
});

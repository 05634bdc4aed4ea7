// Durability: a graceful restart loses nothing and double-counts nothing; a
// kill -9 in the middle of a batch load keeps every acknowledged event, the
// chain verifies, and the read models equal a rebuild from scratch.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CustomerReadModels, LogSubscription, ProjectionHandler } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { verifyChain } from '@rapport/event-store';
import { CUSTOMER_STATE_SCHEMA } from '@rapport/domain';
import { SqliteEventStore, SqliteSnapshotStore } from '@rapport/event-store-sqlite';
import { embeddedPaths } from '@rapport/wiring';
import { ServerProcess } from './testing/server-process';

jest.setTimeout(180_000);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-restart-'));
}

function purchase(customerId: string, orderId: string, amount: number) {
  return { customerId, type: 'purchased', occurredAt: '2026-04-01T12:00:00Z', data: { orderId, amount, currency: 'USD' } };
}

/** Every customer document, sorted: what a reader of the read models can see. */
async function readModelDump(store: CustomerReadModels): Promise<string> {
  const docs: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCustomers({ limit: 200, ...(cursor ? { cursor } : {}) });
    docs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return JSON.stringify(docs);
}

describe('restarting the embedded server', () => {
  it('keeps everything across a graceful restart and resumes projections from the checkpoint', async () => {
    const dataDir = tempDir();
    let server = await ServerProcess.start(dataDir);
    const events = Array.from({ length: 30 }, (_, i) => purchase(`r-${i % 3}`, `o-${i}`, 100));
    const first = await server.post('/v1/events', { events });
    expect(first.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);
    const before = await server.get(`/v1/customers/r-0?consistentWith=${first.body.consistencyToken}`);
    expect(before.body.purchases).toMatchObject({ count: 10, byCurrency: { USD: { orders: 10, amount: 1000 } } });
    expect(await server.stop()).toBe(0);

    server = await ServerProcess.start(dataDir);
    const after = await server.get('/v1/customers/r-0');
    expect(after.body.purchases).toEqual(before.body.purchases);
    const more = await server.post('/v1/events', { events: [purchase('r-0', 'o-new', 5)] });
    const updated = await server.get(`/v1/customers/r-0?consistentWith=${more.body.consistencyToken}`);
    // Exactly one more order: the restart replayed nothing twice.
    expect(updated.body.purchases).toMatchObject({ count: 11, byCurrency: { USD: { orders: 11, amount: 1005 } } });
    expect(await server.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a snapshot of a long stream and starts from it after a restart', async () => {
    const dataDir = tempDir();
    let server = await ServerProcess.start(dataDir);
    const contact = (i: number) => ({ customerId: 'long', type: 'contacted', occurredAt: '2026-04-02T12:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId: `c-${i}` } });
    const first = await server.post('/v1/events', { events: [purchase('long', 'o-1', 100), ...Array.from({ length: 499 }, (_, i) => contact(i))] });
    const second = await server.post('/v1/events', { events: Array.from({ length: 500 }, (_, i) => contact(500 + i)) });
    for (const answer of [first, second]) expect(answer.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);
    expect(await server.stop()).toBe(0);

    // The API kept one at revision 999, in the data directory's snapshots file, without the customer's order forgotten.
    const file = embeddedPaths({ dataDir }).snapshots;
    let snapshots = SqliteSnapshotStore.open(file);
    const taken = await snapshots.latest('long', CUSTOMER_STATE_SCHEMA);
    expect(taken).toMatchObject({ revision: 999, state: { version: 1_000, orderCount: 1 } });
    // Changed to say the order was never made: a restart that folds from the snapshot believes it,
    // one that folds the stream from its first event does not.
    // A save never replaces a snapshot at the same revision: the file goes first.
    await snapshots.close();
    fs.rmSync(file);
    snapshots = SqliteSnapshotStore.open(file);
    await snapshots.save('long', CUSTOMER_STATE_SCHEMA, { ...taken!, state: { ...(taken!.state as object), orders: {}, orderCount: 0, stage: 'prospect' } });
    await snapshots.close();

    server = await ServerProcess.start(dataDir);
    const again = await server.post('/v1/events', { events: [purchase('long', 'o-1', 100)] });
    expect(again.body.results[0]).toMatchObject({ status: 'recorded', revision: 1_000 });
    expect(await server.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the request in flight when stopped with SIGTERM, and records it whole or not at all', async () => {
    const dataDir = tempDir();
    const server = await ServerProcess.start(dataDir);
    // Warm the connection so the batch is on the wire at once.
    await server.post('/v1/events', { events: [purchase('warm', 'w', 1)] });
    const events = Array.from({ length: 500 }, (_, i) => ({ eventId: crypto.randomUUID(), ...purchase(`t-${i % 50}`, `t-${i}`, 1) }));
    const inFlight = server.post('/v1/events', { events });
    await new Promise((r) => setTimeout(r, 15));
    const exited = server.stop();
    const response = await inFlight;
    expect(await exited).toBe(0);

    const log = SqliteEventStore.open(embeddedPaths({ dataDir }).log);
    const recorded = new Set((await log.readAll()).map((e) => e.eventId));
    const ours = events.filter((e) => recorded.has(e.eventId)).length;
    if (response.status === 200) {
      expect(response.body.results.filter((r: { status: string }) => r.status === 'recorded')).toHaveLength(500);
      expect(ours).toBe(500);
    } else {
      // Arrived after the server began closing: refused whole, nothing recorded.
      expect(response.status).toBe(503);
      expect(ours).toBe(0);
    }
    await log.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('survives kill -9 during a batch load: acknowledged events kept, chain intact, read models equal a rebuild', async () => {
    const dataDir = tempDir();
    const server = await ServerProcess.start(dataDir);
    const acknowledged = new Set<string>();
    let batches = 0;
    let stop = false;

    // Four clients post batches of 100 until the process dies under them.
    const client = async (clientId: number) => {
      for (let n = 0; !stop; n++) {
        const events = Array.from({ length: 100 }, (_, i) => ({
          eventId: crypto.randomUUID(),
          ...purchase(`k-${(n * 100 + i) % 97}`, `c${clientId}-b${n}-i${i}`, 1 + i),
        }));
        try {
          const response = await server.post('/v1/events', { events });
          for (const result of response.body.results) if (result.status === 'recorded') acknowledged.add(result.eventId);
          batches++;
        } catch {
          return; // connection dropped by the kill
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    while (batches < 20) await new Promise((r) => setTimeout(r, 20));
    await server.kill();
    stop = true;
    await Promise.all(clients);
    expect(acknowledged.size).toBeGreaterThanOrEqual(2000);

    // Restart: the runner resumes from its checkpoint and catches up with the log.
    const restarted = await ServerProcess.start(dataDir);
    const sentinel = await restarted.post('/v1/events', { events: [purchase('sentinel', 's-1', 1)] });
    expect((await restarted.get(`/v1/customers/sentinel?consistentWith=${sentinel.body.consistencyToken}`)).status).toBe(200);
    expect(await restarted.stop()).toBe(0);

    const paths = embeddedPaths({ dataDir });
    const log = SqliteEventStore.open(paths.log);
    const all = await log.readAll();
    const recorded = new Set(all.map((e) => e.eventId));
    const lost = [...acknowledged].filter((id) => !recorded.has(id));
    expect(lost).toEqual([]);

    const customers = [...new Set(all.map((e) => e.customerId))];
    for (const customerId of customers) {
      expect({ customerId, ...verifyChain(await log.readStream(customerId)) }).toMatchObject({ customerId, ok: true });
    }

    const openDocuments = (file: string) => SqliteDocumentStore.open(file, collectionsOf(READ_MODELS));
    const live = new CustomerReadModels(openDocuments(paths.readModels));
    const rebuiltDocuments = openDocuments(path.join(dataDir, 'rebuilt.sqlite'));
    await new LogSubscription(log, new ProjectionHandler(rebuiltDocuments), rebuiltDocuments).rebuild();
    const rebuilt = new CustomerReadModels(rebuiltDocuments);
    expect(await readModelDump(live)).toEqual(await readModelDump(rebuilt));
    expect(JSON.parse(await readModelDump(live))).toHaveLength(customers.length);

    await Promise.all([live.close(), rebuilt.close(), log.close()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

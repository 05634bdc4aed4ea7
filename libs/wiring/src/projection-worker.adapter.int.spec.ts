// The embedded read models kept by a worker thread: what the API appends is
// projected there (personal data opened with the keys), the API's own
// connection reads it, and progress, stop, restart from the checkpoint and a
// thread that dies are reported as the in-process subscription reports them.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CustomerCommands, CustomerReadModels } from '@rapport/application';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { openEmbeddedStores } from './embedded-stores';
import { ProjectionWorker } from './projection-worker.adapter';

const clock = { now: () => new Date('2026-06-01T00:00:00Z') };

describe('ProjectionWorker', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let stores: ReturnType<typeof openEmbeddedStores>;
  let commands: CustomerCommands;
  let readModels: CustomerReadModels;
  const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];

  const start = async () => {
    // The thread polls once a minute: only the wake after each append makes it project within a test's time.
    const progress = new ProjectionWorker({
      dataDir,
      onAppend: (listener) => stores.eventStore.onAppend(listener),
      pollIntervalMs: 60_000,
      restartDelayMs: 50,
      logger: {
        info: (msg) => logged.push({ level: 'info', msg }),
        warn: (msg) => logged.push({ level: 'warn', msg }),
        error: (msg, fields) => logged.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
      },
    });
    await progress.start();
    return progress;
  };

  const identify = async (customerId: string, name: string) => {
    const [outcome] = await commands.recordAll(customerId, [{ customerId, type: 'identified', occurredAt: '2026-05-01T00:00:00Z', data: { name, email: `${customerId}@example.com` } }]);
    if (outcome?.status !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(outcome)}`);
    return outcome.events[0]!.position;
  };

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-projection-worker-'));
    stores = openEmbeddedStores({ dataDir });
    commands = new CustomerCommands(new SealingEventStore(stores.eventStore, new PersonalDataVault(stores.keyStore)), clock, { next: () => randomUUID() });
    readModels = new CustomerReadModels(stores.documentStore);
    logged.length = 0;
  });

  afterEach(async () => {
    await Promise.all([stores.eventStore.close(), stores.documentStore.close(), stores.keyStore.close()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('projects what is appended, personal data opened, for the API’s own connection to read', async () => {
    const progress = await start();
    expect(progress.status).toMatchObject({ running: true, position: -1, lastError: undefined });
    const position = await identify('c-1', 'Ada Lovelace');
    expect(await progress.waitFor(position, 10_000)).toBe(true);
    expect(progress.position).toBeGreaterThanOrEqual(position);
    expect(await readModels.getCustomer('c-1')).toMatchObject({ customerId: 'c-1', name: 'Ada Lovelace', email: 'c-1@example.com', stage: 'prospect' });
    expect(progress.status.lastAdvancedAt).toBeInstanceOf(Date);
    // Its own heap, reported with its status: what the process's heap metrics leave out.
    const [heap] = progress.threadHeaps();
    expect(heap).toMatchObject({ thread: 'projection' });
    expect(heap!.usedBytes).toBeGreaterThan(0);
    expect(heap!.totalBytes).toBeGreaterThanOrEqual(heap!.usedBytes);
    await progress.stop();
    expect(progress.running).toBe(false);
    expect(progress.threadHeaps()).toEqual([]);
  });

  it('goes on from its checkpoint after a stop, projecting what was appended meanwhile', async () => {
    const first = await start();
    expect(await first.waitFor(await identify('c-1', 'One'), 10_000)).toBe(true);
    await first.stop();
    // Appended while no thread runs: nothing projects it.
    const meanwhile = await identify('c-2', 'Two');
    expect(await first.waitFor(meanwhile, 10)).toBe(false);

    const second = await start();
    expect(await second.waitFor(meanwhile, 10_000)).toBe(true);
    expect(await readModels.getCustomer('c-2')).toMatchObject({ name: 'Two' });
    await second.stop();
  });

  it('starts another thread when one dies, says so, and loses nothing', async () => {
    const progress = await start();
    expect(await progress.waitFor(await identify('c-1', 'One'), 10_000)).toBe(true);
    // A thread that dies of its own accord (out of memory, a native fault) looks like this from outside.
    const thread = (progress as unknown as { worker: Worker }).worker;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    await thread.terminate();
    await exited;
    expect(progress.running).toBe(false);
    expect(progress.status.lastError?.message).toMatch(/the projection thread stopped/);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', msg: 'projection thread stopped; starting another', fields: expect.objectContaining({ batchSize: 500 }) }));

    const position = await identify('c-2', 'Two');
    expect(await progress.waitFor(position, 10_000)).toBe(true);
    expect(progress.status).toMatchObject({ running: true, lastError: undefined });
    expect(await readModels.getCustomer('c-2')).toMatchObject({ name: 'Two' });
    await progress.stop();
  });

  it('halves the batch for the next thread when one runs out of memory', async () => {
    const progress = await start();
    const thread = (progress as unknown as { worker: Worker }).worker;
    // What Node reports when a thread passes its resourceLimits; the thread is then ended as Node ends it.
    thread.emit('error', Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }));
    await thread.terminate();
    expect(logged.at(-1)).toMatchObject({ level: 'error', fields: { batchSize: 250 } });
    const position = await identify('c-3', 'Three');
    expect(await progress.waitFor(position, 10_000)).toBe(true);
    await progress.stop();
  });

  it('refuses to start when the thread cannot open the stores', async () => {
    let listening = 0;
    const onAppend = () => {
      listening++;
      return () => void listening--;
    };
    const progress = new ProjectionWorker({ dataDir: path.join(dataDir, 'events.sqlite', 'not-a-directory'), onAppend });
    await expect(progress.start()).rejects.toThrow();
    expect(progress.running).toBe(false);
    // Nothing is left listening to the log for a thread that never ran.
    expect(listening).toBe(0);
  });
});

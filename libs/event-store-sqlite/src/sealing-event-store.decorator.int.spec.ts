import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersonalDataVault, SealedValueError, SealingEventStore, isSealedValue, verifyChain, type EventStore, type NewEvent } from '@rapport/event-store';
import { describeEventStoreContract } from '@rapport/event-store/testing';
import { EsdbEventStore } from '@rapport/event-store-esdb';
import { EsdbWireTestServer } from '@rapport/event-store-esdb/testing';
import { SqliteEventStore } from './sqlite-event-store.adapter';
import { SqliteKeyStore } from './sqlite-key-store.adapter';
import { sqliteTamperer } from './testing/sqlite-tamperer';

// Every write and read of the app goes through the decorator, so it must keep the port's whole contract.
// The tamperer edits the bare log underneath, as an attacker with the file would. Reads open personal
// fields while each hash covers their sealed form, so the chain of such events verifies on the bare log
// (the audit view), as history, export and verify read it.
describeEventStoreContract('SealingEventStore over a SQLite file log, SQLite key store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-sealing-'));
  const log = SqliteEventStore.open(join(dir, 'events.db'));
  const store = new SealingEventStore(log, new PersonalDataVault(SqliteKeyStore.open(join(dir, 'keys.sqlite'))));
  return { store, audit: log, tamper: sqliteTamperer(log), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeEventStoreContract('SealingEventStore over a SQLite in-memory log', async () => {
  const log = SqliteEventStore.open(':memory:');
  const store = new SealingEventStore(log, new PersonalDataVault(SqliteKeyStore.open(':memory:')));
  return { store, audit: log, tamper: sqliteTamperer(log) };
});

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const at = '2026-01-05T10:00:00Z';
const identified = (data: Record<string, unknown>): NewEvent => ({ eventId: id(), type: 'identified', occurredAt: at, data, metadata: {} });
const complained = (description: string): NewEvent => ({
  eventId: id(),
  type: 'complained',
  occurredAt: at,
  data: { complaintId: `k-${n}`, category: 'delivery', severity: 'low', description },
  metadata: {},
});
const purchased = (): NewEvent => ({ eventId: id(), type: 'purchased', occurredAt: at, data: { orderId: `o-${n}`, amount: 1200, currency: 'EUR' }, metadata: {} });

// The decorator is log-agnostic; it runs here over both adapters (EventStoreDB through its wire test server).
const logs: [string, () => Promise<{ log: EventStore; stop(): Promise<void> }>][] = [
  ['SQLite', async () => ({ log: SqliteEventStore.open(':memory:'), stop: async () => undefined })],
  [
    'EventStoreDB (wire test server)',
    async () => {
      const server = await EsdbWireTestServer.start();
      return { log: EsdbEventStore.connect(server.connectionString), stop: () => server.stop() };
    },
  ],
];

describe.each(logs)('SealingEventStore over the %s log', (_name, openLog) => {
  let log: EventStore;
  let store: SealingEventStore;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    const opened = await openLog();
    log = opened.log;
    stop = opened.stop;
    store = new SealingEventStore(log, new PersonalDataVault(SqliteKeyStore.open(':memory:')));
  });
  afterEach(async () => {
    await store.close();
    await stop();
  });

  it('the log holds only sealed personal fields; readers get them back opened', async () => {
    const ada = identified({ name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 0000', attributes: { tier: 'gold' } });
    const appended = await store.append('c-1', [ada, purchased(), complained('the parcel came open')], 'no_stream');
    expect(appended.events[0]!.data).toStrictEqual(ada.data);

    const raw = await log.readStream('c-1');
    const rawData = raw[0]!.data as Record<string, unknown>;
    for (const field of ['name', 'email', 'phone', 'attributes']) expect(isSealedValue(rawData[field])).toBe(true);
    expect(JSON.stringify(raw)).not.toMatch(/Ada|ada@example|\+44 20|gold|parcel came open/);
    // fields that are not personal stay readable in the log
    expect(raw[1]!.data).toStrictEqual({ orderId: expect.any(String), amount: 1200, currency: 'EUR' });
    expect((raw[2]!.data as Record<string, unknown>).category).toBe('delivery');

    const read = await store.readStream('c-1');
    expect(read[0]!.data).toStrictEqual(ada.data);
    expect((read[2]!.data as Record<string, unknown>).description).toBe('the parcel came open');
    expect((await store.readAll()).map((e) => e.data)).toStrictEqual(read.map((e) => e.data));
    expect((await store.findByEventId(ada.eventId))!.data).toStrictEqual(ada.data);
    expect(verifyChain(raw).ok).toBe(true);
  });

  it('after the keys are destroyed, the fields read as absent, everything else stays and the chain still verifies', async () => {
    await store.append('c-1', [identified({ name: 'Ada', email: 'ada@example.org' }), purchased(), complained('broken')], 'no_stream');
    await store.append('c-2', [identified({ name: 'Grace' })], 'no_stream');
    const before = await log.readStream('c-1');

    expect(await store.vault.erase('c-1')).toBe(1);
    expect(await store.vault.status(before)).toEqual(new Map([[before[0]!.eventId, 'erased'], [before[2]!.eventId, 'erased']]));

    const after = await store.readStream('c-1');
    expect(after[0]!.data).toStrictEqual({});
    expect(after[1]!.data).toStrictEqual(before[1]!.data);
    expect(after[2]!.data).toStrictEqual({ complaintId: expect.any(String), category: 'delivery', severity: 'low' });
    expect(verifyChain(await log.readStream('c-1')).ok).toBe(true);
    // another customer is untouched
    expect((await store.readStream('c-2'))[0]!.data).toStrictEqual({ name: 'Grace' });

    // new personal data after the erasure gets a new key and reads normally
    await store.append('c-1', [identified({ email: 'new@example.org' })], 2);
    const latest = await store.readStream('c-1', { fromRevision: 3 });
    expect(latest[0]!.data).toStrictEqual({ email: 'new@example.org' });
    expect(await store.vault.status(await log.readStream('c-1', { fromRevision: 3 }))).toEqual(new Map([[latest[0]!.eventId, 'sealed']]));
  });

  it('a value that merely looks sealed is sealed like any other, so it cannot smuggle a key reference', async () => {
    const key = await store.vault.keys.activeKey('c-1');
    const lookalike = `pd1:${key.keyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    await store.append('c-1', [identified({ name: lookalike })], 'no_stream');
    expect((await store.readStream('c-1'))[0]!.data).toStrictEqual({ name: lookalike });
    expect((await log.readStream('c-1'))[0]!.data).not.toStrictEqual({ name: lookalike });
  });

  it('a sealed value moved to another event does not open (bound to customer, event and field)', async () => {
    await store.append('c-1', [identified({ name: 'Ada' }), identified({ email: 'x@example.org' })], 'no_stream');
    const [first, second] = await log.readStream('c-1');
    const moved = { ...second!, data: { email: (first!.data as Record<string, string>).name } };
    await expect(store.vault.open([moved])).rejects.toBeInstanceOf(SealedValueError);
  });

  it('events without personal fields never touch the key store', async () => {
    const keys = store.vault.keys;
    const spy = jest.spyOn(keys, 'activeKey');
    const find = jest.spyOn(keys, 'findKeys');
    await store.append('c-9', [purchased(), purchased()], 'no_stream');
    await store.readStream('c-9');
    expect(spy).not.toHaveBeenCalled();
    expect(find).not.toHaveBeenCalled();
  });
});

describe('PersonalDataVault', () => {
  it('seals every value under an IV of its own, across more IVs than one draw from the random source gives', async () => {
    const vault = new PersonalDataVault(SqliteKeyStore.open(':memory:'));
    // The same value, customer and field 3,000 times: only the IV tells the sealed forms apart.
    const events = Array.from({ length: 3_000 }, () => identified({ name: 'Ada' }));
    const sealed = await vault.seal('c-iv', events);
    const ivs = sealed.map((event) => {
      const value = (event.data as { name: string }).name;
      expect(isSealedValue(value)).toBe(true);
      return Buffer.from(value.split(':')[2]!, 'base64url').subarray(0, 12).toString('hex');
    });
    expect(new Set(ivs).size).toBe(3_000);
    // And each still opens to what was sealed.
    const recorded = sealed.map((event, i) => ({ ...event, customerId: 'c-iv', revision: i, position: i, recordedAt: at, hash: '', schemaVersion: 1 }));
    expect((await vault.open(recorded)).every((event) => (event.data as { name: string }).name === 'Ada')).toBe(true);
    await vault.keys.close();
  });
});

// The ESDB adapter against the in-process wire test server (always) and a real
// EventStoreDB (when RAPPORT_ESDB_URL is set), through the unchanged contract
// suite, plus what only this adapter has: the wire-level details it relies on.
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, FORWARDS, START, StreamNotFoundError, WrongExpectedVersionError, jsonEvent, streamNameFilter } from '@eventstore/db-client';
import { computeEventHash, DuplicateEventIdError, verifyChain, WrongExpectedRevisionError, ZERO_HASH, type NewEvent, type RecordedEvent } from '@rapport/event-store';
import { eventually } from '@rapport/config/testing';
import { describeEventStoreContract } from '@rapport/event-store/testing';
import { EsdbEventStore } from './esdb-event-store.adapter';
import { esdbWireTamperer, EsdbWireTestServer } from './testing';

describeEventStoreContract('EventStoreDB wire test server (BatchAppend, as servers since 21.10)', async () => {
  const server = await EsdbWireTestServer.start();
  const store = EsdbEventStore.connect(server.connectionString);
  return { store, tamper: esdbWireTamperer(server), cleanup: () => server.stop() };
});

// The client falls back to Streams.Append where the server offers no BatchAppend
// (and whenever a call carries its own credentials).
describeEventStoreContract('EventStoreDB wire test server (Streams.Append path)', async () => {
  const server = await EsdbWireTestServer.start({ batchAppend: false });
  const store = EsdbEventStore.connect(server.connectionString);
  return { store, tamper: esdbWireTamperer(server), cleanup: () => server.stop() };
});

// A real server is shared and keeps its history, so every test gets stream
// prefixes of its own: to that store the log starts empty. The same fixture runs
// on one wire test server shared by all tests, to show that this isolation is
// what makes the suite hold on a log with history (and there tampering works).
function namespaced(connectionString: string) {
  const namespace = `rapport-test-${randomUUID().slice(0, 8)}`;
  const customerStreamPrefix = `${namespace}-customer-`;
  const store = EsdbEventStore.connect(connectionString, { customerStreamPrefix, eventIdStreamPrefix: `${namespace}-eventid-` });
  return { store, customerStreamPrefix };
}

let sharedServer: Promise<EsdbWireTestServer> | undefined;
afterAll(async () => (await sharedServer)?.stop());

describeEventStoreContract('one shared wire test server, stream prefixes per test (as on a real server)', async () => {
  sharedServer ??= EsdbWireTestServer.start();
  const server = await sharedServer;
  const { store, customerStreamPrefix } = namespaced(server.connectionString);
  return { store, tamper: esdbWireTamperer(server, customerStreamPrefix) };
});

// The real server's storage cannot be rewritten through its API, so no tamper tests there.
const realServer = process.env.RAPPORT_ESDB_URL;
(realServer ? describeEventStoreContract : describeSkipped)('EventStoreDB at RAPPORT_ESDB_URL', async () => ({ store: namespaced(realServer!).store }), {
  tampering: false,
});

function describeSkipped(name: string): void {
  describe.skip(`EventStore contract: ${name} (set RAPPORT_ESDB_URL to run it)`, () => {
    it('runs against a real EventStoreDB', () => undefined);
  });
}

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'qualified',
    occurredAt: '2024-06-01T12:00:00Z',
    data: { score: 70 },
    metadata: { correlationId: randomUUID(), source: 'esdb-spec' },
    ...overrides,
  };
}

describe('EsdbEventStore on the wire test server', () => {
  let server: EsdbWireTestServer;
  let store: EsdbEventStore;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    server = await EsdbWireTestServer.start();
    store = EsdbEventStore.connect(server.connectionString);
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterEach(async () => {
    await store.close();
    await client.dispose();
    await server.stop();
  });

  it('stores one ESDB event per envelope: stream customer-<id>, type, JSON data, envelope and hash in the metadata', async () => {
    const event = newEvent({ metadata: { correlationId: 'corr-1', causationId: 'cause-1', actor: 'crm-sync', source: 'svc' } });
    const [recorded] = (await store.append('cust-1', [event], 'no_stream')).events;
    const [raw] = await collect(client.readStream('customer-cust-1', { fromRevision: START, direction: FORWARDS }));
    expect(raw.event).toMatchObject({
      streamId: 'customer-cust-1',
      id: event.eventId,
      type: 'qualified',
      revision: 0n,
      isJson: true,
      data: { score: 70 },
      metadata: {
        customerId: 'cust-1',
        occurredAt: event.occurredAt,
        recordedAt: recorded.recordedAt,
        revision: 0,
        metadata: event.metadata,
        hash: recorded.hash,
        $correlationId: 'corr-1',
        $causationId: 'cause-1',
      },
    });
    expect(raw.event?.position?.commit).toBe(BigInt(recorded.position));
  });

  it('keeps a payload schema version from 2 on in the envelope, and reads an envelope without one, or with 1, as version 1', async () => {
    const events = (await store.append('cust-v', [newEvent({ schemaVersion: 2 }), newEvent()], 'no_stream')).events;
    const raw = await collect(client.readStream('customer-cust-v', { fromRevision: START, direction: FORWARDS }));
    expect(raw[0]!.event?.metadata).toMatchObject({ schemaVersion: 2, hash: events[0]!.hash });
    // Version 1 leaves the envelope exactly as builds before versions wrote it.
    expect(Object.keys(raw[1]!.event?.metadata as object).sort()).toEqual(['$correlationId', 'customerId', 'hash', 'metadata', 'occurredAt', 'recordedAt', 'revision']);
    // Another writer's explicit 1 is the same fact as none: read as none, hashed as none.
    const fields = {
      eventId: randomUUID(), type: 'qualified' as const, customerId: 'cust-w', occurredAt: '2024-06-01T12:00:00Z',
      recordedAt: '2024-06-01T12:00:01.000Z', revision: 0, data: { score: 1 }, metadata: {},
    };
    const envelope = { customerId: 'cust-w', occurredAt: fields.occurredAt, recordedAt: fields.recordedAt, revision: 0, schemaVersion: 1, metadata: {}, hash: computeEventHash(ZERO_HASH, fields) };
    await client.appendToStream('customer-cust-w', jsonEvent({ id: fields.eventId, type: 'qualified', data: fields.data, metadata: envelope }));
    const [read] = await store.readStream('cust-w');
    expect(Object.hasOwn(read!, 'schemaVersion')).toBe(false);
    expect(verifyChain([read!])).toMatchObject({ ok: true, checked: 1 });
  });

  it('uses the $all commit position (a byte offset, not a counter) as position', async () => {
    const { events } = await store.append('cust-pos', [newEvent(), newEvent(), newEvent()], 'no_stream');
    const records = server.log.stream('customer-cust-pos');
    expect(events.map((e) => e.position)).toEqual(records.map((r) => r.logPosition));
    expect(events[1].position - events[0].position).toBeGreaterThan(1);
    // The seeded system event comes first, so even the first customer event is not at 0.
    expect(events[0].position).toBeGreaterThan(0);
  });

  it('appends through BatchAppend when the server offers it, and through Append otherwise', async () => {
    await store.append('cust-batch', [newEvent()], 'no_stream');
    expect(server.calls.get('ServerFeatures/GetSupportedMethods')).toBe(1);
    expect(server.calls.get('Streams/BatchAppend')).toBeGreaterThanOrEqual(1);
    expect(server.calls.get('Streams/Append')).toBeUndefined();

    const legacy = await EsdbWireTestServer.start({ batchAppend: false });
    const legacyStore = EsdbEventStore.connect(legacy.connectionString);
    try {
      await legacyStore.append('cust-legacy', [newEvent()], 'no_stream');
      expect(legacy.calls.get('Streams/BatchAppend')).toBeUndefined();
      expect(legacy.calls.get('Streams/Append')).toBeGreaterThanOrEqual(1);
    } finally {
      await legacyStore.close();
      await legacy.stop();
    }
  });

  it("raises the real client's errors: WrongExpectedVersionError with the actual revision, StreamNotFoundError", async () => {
    await client.appendToStream('plain', [jsonEvent({ type: 't', data: { a: 1 } }), jsonEvent({ type: 't', data: { a: 2 } })]);
    const wrong = await client.appendToStream('plain', jsonEvent({ type: 't', data: {} }), { expectedRevision: 0n }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WrongExpectedVersionError);
    expect(wrong).toMatchObject({ streamName: 'plain', expectedVersion: 0n, actualVersion: 1n });
    const noStream = await client.appendToStream('ghost', jsonEvent({ type: 't', data: {} }), { expectedRevision: 3n }).catch((e: unknown) => e);
    expect(noStream).toMatchObject({ expectedVersion: 3n, actualVersion: 'no_stream' });
    await expect(collect(client.readStream('ghost'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('treats a retried append that landed as a duplicate, and the same id racing from two appends as one event', async () => {
    const event = newEvent();
    const [a, b] = await Promise.allSettled([store.append('race-a', [event], 'any'), store.append('race-b', [event], 'any')]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? 'recorded' : r.reason instanceof DuplicateEventIdError ? 'duplicate' : String(r.reason)));
    expect(outcomes.sort()).toEqual(['duplicate', 'recorded']);
    const found = await store.findByEventId(event.eventId);
    expect(found && ['race-a', 'race-b']).toContain(found?.customerId);
    expect((await store.readAll()).filter((e) => e.eventId === event.eventId)).toHaveLength(1);
  });

  it('takes over the reservation of an eventId whose append never landed, once the lease is over', async () => {
    const quick = EsdbEventStore.connect(server.connectionString, { reservationLeaseMs: 200 });
    try {
      const event = newEvent();
      // A writer that reserved the id and died before appending.
      await client.appendToStream(`rapport-eventid-${event.eventId}`, jsonEvent({
        type: 'rapport.event-id-reserved',
        data: { stream: 'customer-dead', reservedAt: new Date().toISOString() },
      }));
      const started = Date.now();
      const { events } = await quick.append('cust-alive', [event], 'no_stream');
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(events[0].customerId).toBe('cust-alive');
      expect((await quick.findByEventId(event.eventId))?.customerId).toBe('cust-alive');
    } finally {
      await quick.close();
    }
  });

  it('reports a conflict on the first attempt of a conditional append, but retries an `any` append until it lands', async () => {
    await store.append('cust-cond', [newEvent()], 'no_stream');
    const other = EsdbEventStore.connect(server.connectionString);
    try {
      await other.append('cust-cond', [newEvent()], 0);
      const error = await store.append('cust-cond', [newEvent()], 0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ expected: 0, actual: 1 });
      const { events } = await store.append('cust-cond', [newEvent()], 'any');
      expect(events[0].revision).toBe(2);
      expect(verifyChain(await other.readStream('cust-cond'))).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await other.close();
    }
  });

  it('skips events of other streams in readAll, headPosition and follow', async () => {
    await client.appendToStream('orders-1', jsonEvent({ type: 'x', data: {} }));
    const { events } = await store.append('cust-mixed', [newEvent()], 'no_stream');
    await client.appendToStream('orders-1', jsonEvent({ type: 'x', data: {} }));
    expect(await store.readAll()).toEqual(events);
    expect(await store.headPosition()).toBe(events[0].position);

    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const loop = (async () => {
      for await (const batch of store.follow({ signal: controller.signal })) received.push(...batch);
    })();
    await eventually(() => received.length === 1);
    await client.appendToStream('orders-2', jsonEvent({ type: 'x', data: {} }));
    const later = (await store.append('cust-mixed', [newEvent()], 0)).events;
    await eventually(() => received.length === 2);
    controller.abort();
    await loop;
    expect(received).toEqual([...events, ...later]);
  });

  it('pages through $all: small pages, foreign events between and after the customer events', async () => {
    const paged = EsdbEventStore.connect(server.connectionString, { readPageSize: 2 });
    try {
      const recorded: RecordedEvent[] = [];
      for (let i = 0; i < 4; i++) {
        await client.appendToStream(`orders-${i}`, [jsonEvent({ type: 'x', data: {} }), jsonEvent({ type: 'x', data: {} })]);
        recorded.push(...(await paged.append(`cust-page-${i % 2}`, [newEvent(), newEvent()], 'any')).events);
      }
      for (let i = 0; i < 5; i++) await client.appendToStream('orders-tail', jsonEvent({ type: 'x', data: {} }));
      expect(await paged.readAll()).toEqual(recorded);
      expect(await paged.readAll({ after: recorded[2].position, maxCount: 3 })).toEqual(recorded.slice(3, 6));
      expect(await paged.readAll({ after: recorded[7].position })).toEqual([]);
      expect(await paged.headPosition()).toBe(recorded[7].position);
      const batches: number[] = [];
      for await (const batch of paged.follow({ batchSize: 3 })) {
        batches.push(batch.length);
        if (batches.reduce((a, b) => a + b, 0) >= recorded.length) break;
      }
      expect(batches).toEqual([3, 3, 2]);
    } finally {
      await paged.close();
    }
  });

  it('resubscribes after the connection drops and delivers what was appended meanwhile', async () => {
    const port = server.port;
    const first = (await store.append('cust-drop', [newEvent()], 'no_stream')).events;
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const loop = (async () => {
      for await (const batch of store.follow({ signal: controller.signal })) received.push(...batch);
    })();
    await eventually(() => received.length === 1);

    // Same log, new server process on the same port.
    const log = server.log;
    await server.stop();
    const restarted = await EsdbWireTestServer.start({ port, seedSystemEvents: false });
    for (const record of log.records()) {
      restarted.log.write(record.streamId, -2, [record]);
    }
    server = restarted;
    const writer = EsdbEventStore.connect(restarted.connectionString);
    try {
      const second = (await writer.append('cust-drop', [newEvent()], 0)).events;
      await eventually(() => received.length === 2, 15_000);
      controller.abort();
      await loop;
      expect(received.map((e) => e.eventId)).toEqual([...first, ...second].map((e) => e.eventId));
    } finally {
      await writer.close();
    }
  }, 30_000);

  it('says which server version it needs when stream reads carry no $all position (before 22.10)', async () => {
    const old = await EsdbWireTestServer.start({ positionsOnStreamReads: false, serverVersion: '21.10.9' });
    const oldStore = EsdbEventStore.connect(old.connectionString);
    try {
      await expect(oldStore.append('cust-old', [newEvent()], 'no_stream')).rejects.toThrow(/no \$all position.*22\.10/);
    } finally {
      await oldStore.close();
      await old.stop();
    }
  });

  it('refuses eventIds that are not UUIDs, and finds nothing for them', async () => {
    await expect(store.append('cust-bad', [newEvent({ eventId: 'evt-1' })], 'any')).rejects.toThrow(TypeError);
    expect(await store.findByEventId('evt-1')).toBeUndefined();
  });

  it('stores eventIds lower-case, as EventStoreDB returns them, so the hash holds', async () => {
    const id = randomUUID().toUpperCase();
    const { events } = await store.append('cust-case', [newEvent({ eventId: id })], 'no_stream');
    expect(events[0].eventId).toBe(id.toLowerCase());
    expect(await store.readStream('cust-case')).toEqual(events);
    expect((await store.findByEventId(id))?.eventId).toBe(id.toLowerCase());
  });

  it('connects through gossip discovery too (esdb+discover://)', async () => {
    const discovered = EsdbEventStore.connect(`esdb+discover://127.0.0.1:${server.port}?tls=false`);
    try {
      const { events } = await discovered.append('cust-gossip', [newEvent()], 'no_stream');
      expect(await store.readStream('cust-gossip')).toEqual(events);
      expect(server.calls.get('Gossip/Read')).toBeGreaterThanOrEqual(1);
    } finally {
      await discovered.close();
    }
  });
});

describe('EsdbWireTestServer, through the real client', () => {
  let server: EsdbWireTestServer;
  let client: EventStoreDBClient;
  const event = (n: number) => jsonEvent({ type: 'test', data: { n } });

  beforeEach(async () => {
    server = await EsdbWireTestServer.start({ maxAppendSize: 2_000 });
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterEach(async () => {
    await client.dispose();
    await server.stop();
  });

  it('refuses an oversized append with MaxAppendSizeExceededError, through BatchAppend and through Append', async () => {
    const big = jsonEvent({ type: 'test', data: { blob: 'x'.repeat(3_000) } });
    await expect(client.appendToStream('big', big)).rejects.toMatchObject({ type: 'maximum-append-size-exceeded', maxAppendSize: 2_000 });
    const legacy = await EsdbWireTestServer.start({ batchAppend: false, maxAppendSize: 2_000 });
    const legacyClient = EventStoreDBClient.connectionString(legacy.connectionString);
    try {
      await expect(legacyClient.appendToStream('big', big)).rejects.toMatchObject({ type: 'maximum-append-size-exceeded', maxAppendSize: 2_000 });
    } finally {
      await legacyClient.dispose();
      await legacy.stop();
    }
    await expect(collect(client.readStream('big'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('acknowledges a retried write at the same expected revision without writing it twice', async () => {
    const events = [event(1), event(2)];
    const first = await client.appendToStream('idem', events, { expectedRevision: 'no_stream' });
    const again = await client.appendToStream('idem', events, { expectedRevision: 'no_stream' });
    expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(await collect(client.readStream('idem'))).toHaveLength(2);
    await expect(client.appendToStream('idem', [events[0], event(3)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });

  it('reads $all forwards from a position inclusively and backwards from it exclusively', async () => {
    await client.appendToStream('all', [event(1), event(2), event(3)]);
    const all = (await collect(client.readAll())).filter((e) => e.event?.streamId === 'all');
    const middle = all[1].event!.position;
    const forwards = await collect(client.readAll({ fromPosition: middle }));
    expect(forwards.map((e) => e.event?.data)).toEqual([{ n: 2 }, { n: 3 }]);
    const backwards = await collect(client.readAll({ fromPosition: middle, direction: 'backwards' }));
    expect(backwards.map((e) => e.event?.streamId)).toEqual(['all', '$settings']);
    expect(backwards[0].event?.data).toEqual({ n: 1 });
  });

  it('reads a stream backwards from a revision past its end, and forwards from there to nothing', async () => {
    await client.appendToStream('short', [event(0), event(1), event(2)]);
    const backwards = await collect(client.readStream('short', { direction: 'backwards', fromRevision: 10n, maxCount: 2 }));
    expect(backwards.map((e) => e.event?.revision)).toEqual([2n, 1n]);
    expect(await collect(client.readStream('short', { fromRevision: 3n }))).toEqual([]);
  });

  it('confirms a filtered $all subscription, catches up after the position, checkpoints, reports caught up, then goes live', async () => {
    await client.appendToStream('keep-1', [event(1), event(2)]);
    for (let i = 0; i < 40; i++) await client.appendToStream(`skip-${i}`, event(i));
    const start = (await collect(client.readStream('keep-1')))[0].event!.position!;
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: start,
      filter: streamNameFilter({ prefixes: ['keep-'], checkpointReached: (_s, position) => void checkpoints.push(position.commit) }),
    });
    const seen: unknown[] = [];
    let confirmed = false;
    let caughtUp = false;
    subscription.on('confirmation', () => (confirmed = true));
    subscription.on('caughtUp', () => (caughtUp = true));
    subscription.on('data', (resolved) => seen.push(resolved.event?.data));
    await eventually(() => caughtUp);
    expect(confirmed).toBe(true);
    expect(seen).toEqual([{ n: 2 }]);
    expect(checkpoints.length).toBeGreaterThanOrEqual(2); // one after 32 considered events, one at the end of catch-up
    await client.appendToStream('keep-2', event(3));
    await eventually(() => seen.length === 2);
    expect(seen[1]).toEqual({ n: 3 });
    await subscription.unsubscribe();
  });
});

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
}


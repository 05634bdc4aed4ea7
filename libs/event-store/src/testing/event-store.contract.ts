// The behaviour every EventStore adapter must show, as one Jest suite that each
// adapter's integration spec runs unchanged (SPEC section 2: both adapters of a
// port pass the same contract).
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  DuplicateEventIdError,
  schemaVersionOf,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type FollowOptions,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port';
import { computeEventHash, verifyChain, ZERO_HASH } from '../hash-chain';
import type { Tamperer } from './tamperer';

export interface EventStoreFixture {
  /** A fresh, empty log. */
  readonly store: EventStore;
  /** Present when the adapter's storage can be rewritten behind its back. */
  readonly tamper?: Tamperer;
  /**
   * The log as auditors read it, when that is not `store`: a decorator that
   * seals personal fields on append and opens them on read hands over the bare
   * log beneath, whose sealed form is what the hash chain covers. Closed by
   * closing `store`.
   */
  readonly audit?: EventStore;
  /** Runs after the suite has closed the store. */
  readonly cleanup?: () => Promise<void>;
}

export interface EventStoreContractOptions {
  /**
   * Whether the fixture supplies a Tamperer. Default true, so a fixture that
   * forgets one fails loudly instead of silently skipping the tamper tests.
   */
  readonly tampering?: boolean;
}

const SLOW_TEST_MS = 30_000;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStoreFixture>,
  options: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.store.close();
      await fixture.cleanup?.();
    });

    describe('append', () => {
      it("records a new stream with 'no_stream' at revisions 0..n-1 and echoes the envelope", async () => {
        const id = customer('new');
        const events = [newEvent(), newEvent({ type: 'identified', data: { name: 'Ada' } }), newEvent()];
        const result = await store.append(id, events, 'no_stream');

        expect(result.nextExpectedRevision).toBe(2);
        expect(result.events.map((e) => e.revision)).toEqual([0, 1, 2]);
        result.events.forEach((recorded, i) => {
          expect(recorded).toMatchObject({
            eventId: events[i].eventId,
            type: events[i].type,
            customerId: id,
            occurredAt: events[i].occurredAt,
            data: events[i].data,
            metadata: events[i].metadata,
          });
        });
        expect(await store.readStream(id)).toEqual(result.events);
      });

      it("rejects 'no_stream' on an existing stream, reporting its last revision", async () => {
        const id = customer('exists');
        await store.append(id, [newEvent(), newEvent()], 'no_stream');
        const error = await rejection(store.append(id, [newEvent()], 'no_stream'));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ customerId: id, expected: 'no_stream', actual: 1 });
      });

      it("appends with 'any' to a new and to an existing stream", async () => {
        const id = customer('any');
        const first = await store.append(id, [newEvent()], 'any');
        const second = await store.append(id, [newEvent(), newEvent()], 'any');
        expect(first.nextExpectedRevision).toBe(0);
        expect(second.nextExpectedRevision).toBe(2);
        expect((await store.readStream(id)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('appends when the exact expected revision is the last one', async () => {
        const id = customer('exact');
        await store.append(id, [newEvent()], 'no_stream');
        const result = await store.append(id, [newEvent(), newEvent()], 0);
        expect(result.nextExpectedRevision).toBe(2);
        expect((await store.append(id, [newEvent()], 2)).events[0].revision).toBe(3);
      });

      it('rejects a stale exact revision, reporting the actual one', async () => {
        const id = customer('stale');
        await store.append(id, [newEvent(), newEvent(), newEvent()], 'no_stream');
        for (const stale of [0, 1, 3, 7]) {
          const error = await rejection(store.append(id, [newEvent()], stale));
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ customerId: id, expected: stale, actual: 2 });
        }
      });

      it('rejects an exact revision on a stream that does not exist, reporting -1', async () => {
        const id = customer('ghost');
        const error = await rejection(store.append(id, [newEvent()], 0));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ customerId: id, expected: 0, actual: -1 });
        expect(await store.readStream(id)).toEqual([]);
      });

      it('records nothing when the expected revision does not hold', async () => {
        const id = customer('nothing');
        await store.append(id, [newEvent()], 'no_stream');
        const before = await snapshot(store, id);
        const rejected = [newEvent(), newEvent()];
        await expect(store.append(id, rejected, 5)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(store.append(id, rejected, 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await snapshot(store, id)).toEqual(before);
        for (const event of rejected) expect(await store.findByEventId(event.eventId)).toBeUndefined();
      });

      it('appends a batch atomically: one bad event and none of the batch is recorded', async () => {
        const id = customer('atomic');
        const existing = newEvent();
        await store.append(id, [existing], 'no_stream');
        const before = await snapshot(store, id);
        const batch = [newEvent(), newEvent(), { ...newEvent(), eventId: existing.eventId }, newEvent()];
        await expect(store.append(id, batch, 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await snapshot(store, id)).toEqual(before);
        for (const event of [batch[0], batch[1], batch[3]]) expect(await store.findByEventId(event.eventId)).toBeUndefined();
      });

      it('gives every event of one append the same valid ISO-8601 UTC recordedAt with milliseconds', async () => {
        const id = customer('recorded-at');
        const { events } = await store.append(id, [newEvent(), newEvent(), newEvent()], 'no_stream');
        const recordedAt = events[0].recordedAt;
        expect(recordedAt).toMatch(ISO_UTC_MS);
        expect(new Date(recordedAt).toISOString()).toBe(recordedAt);
        expect(events.map((e) => e.recordedAt)).toEqual([recordedAt, recordedAt, recordedAt]);
      });

      it('keeps occurredAt exactly as given, offset included', async () => {
        const id = customer('occurred');
        const occurredAt = '2023-11-05T23:59:59.5-08:00';
        await store.append(id, [newEvent({ occurredAt })], 'no_stream');
        expect((await store.readStream(id))[0].occurredAt).toBe(occurredAt);
      });

      it('an empty append records nothing and still checks the expected revision', async () => {
        const id = customer('empty');
        await store.append(id, [newEvent(), newEvent()], 'no_stream');
        const before = await snapshot(store, id);
        expect(await store.append(id, [], 1)).toEqual({ nextExpectedRevision: 1, events: [] });
        expect(await store.append(id, [], 'any')).toEqual({ nextExpectedRevision: 1, events: [] });
        await expect(store.append(id, [], 0)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await snapshot(store, id)).toEqual(before);
      });
    });

    describe('duplicate eventIds', () => {
      it('records the same eventId once and leaves the stream unchanged', async () => {
        const id = customer('dup');
        const event = newEvent();
        await store.append(id, [event], 'no_stream');
        const before = await snapshot(store, id);
        const error = await rejection(store.append(id, [event], 'any'));
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(error).toMatchObject({ eventId: event.eventId });
        await expect(store.append(id, [event], 0)).rejects.toBeInstanceOf(DuplicateEventIdError);
        // Retried with the expectation its landed first attempt had: the duplicate it is, not a revision conflict.
        await expect(store.append(id, [event], 'no_stream')).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await snapshot(store, id)).toEqual(before);
      });

      it('treats an eventId recorded in another stream as a duplicate', async () => {
        const a = customer('dup-a');
        const b = customer('dup-b');
        const event = newEvent();
        await store.append(a, [event], 'no_stream');
        await expect(store.append(b, [event], 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(b)).toEqual([]);
        expect((await store.findByEventId(event.eventId))?.customerId).toBe(a);
      });

      it('rejects a batch that repeats an eventId within itself', async () => {
        const id = customer('dup-batch');
        const event = newEvent();
        const error = await rejection(store.append(id, [event, newEvent(), { ...newEvent(), eventId: event.eventId }], 'no_stream'));
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(error).toMatchObject({ eventId: event.eventId });
        expect(await store.readStream(id)).toEqual([]);
        expect(await store.headPosition()).toBe(-1);
      });
    });

    describe('readStream', () => {
      let id: string;
      let recorded: readonly RecordedEvent[];

      beforeEach(async () => {
        id = customer('read');
        recorded = (await store.append(id, Array.from({ length: 6 }, () => newEvent()), 'no_stream')).events;
        await store.append(customer('other'), [newEvent(), newEvent()], 'no_stream');
      });

      it('reads forward from revision 0 by default, only this stream', async () => {
        expect(await store.readStream(id)).toEqual(recorded);
        expect(await store.readStream(id, { direction: 'forward' })).toEqual(recorded);
      });

      it('reads backward from the last revision by default', async () => {
        expect(await store.readStream(id, { direction: 'backward' })).toEqual([...recorded].reverse());
      });

      it('starts at fromRevision, inclusive, in either direction', async () => {
        expect(await store.readStream(id, { fromRevision: 2 })).toEqual(recorded.slice(2));
        expect(await store.readStream(id, { direction: 'backward', fromRevision: 3 })).toEqual(recorded.slice(0, 4).reverse());
        expect(await store.readStream(id, { fromRevision: 6 })).toEqual([]);
        expect(await store.readStream(id, { direction: 'backward', fromRevision: 0 })).toEqual([recorded[0]]);
      });

      it('stops after maxCount', async () => {
        expect(await store.readStream(id, { maxCount: 2 })).toEqual(recorded.slice(0, 2));
        expect(await store.readStream(id, { fromRevision: 4, maxCount: 10 })).toEqual(recorded.slice(4));
        expect(await store.readStream(id, { direction: 'backward', maxCount: 1 })).toEqual([recorded[5]]);
        expect(await store.readStream(id, { direction: 'backward', fromRevision: 4, maxCount: 2 })).toEqual([recorded[4], recorded[3]]);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(customer('unknown'))).toEqual([]);
        expect(await store.readStream(customer('unknown'), { direction: 'backward' })).toEqual([]);
      });
    });

    describe('readStreams', () => {
      let a: string;
      let b: string;
      let empty: string;
      let ofA: readonly RecordedEvent[];
      let ofB: readonly RecordedEvent[];

      beforeEach(async () => {
        a = customer('tails-a');
        b = customer('tails-b');
        empty = customer('tails-none');
        ofA = (await store.append(a, Array.from({ length: 4 }, () => newEvent()), 'no_stream')).events;
        ofB = (await store.append(b, [newEvent(), newEvent()], 'no_stream')).events;
        // Interleaved in the log: each tail is still its own stream's, in revision order.
        ofA = [...ofA, ...(await store.append(a, [newEvent()], 3)).events];
        ofB = [...ofB, ...(await store.append(b, [newEvent()], 1)).events];
      });

      it("reads each stream's tail from its own revision, an unknown stream as empty", async () => {
        const tails = await store.readStreams(
          [
            { customerId: a, fromRevision: 2 },
            { customerId: empty, fromRevision: 0 },
            { customerId: b, fromRevision: 0 },
          ],
          100,
        );
        expect(tails).toEqual(
          new Map([
            [a, ofA.slice(2)],
            [empty, []],
            [b, ofB],
          ]),
        );
        expect(await store.readStreams([{ customerId: a, fromRevision: 5 }], 10)).toEqual(new Map([[a, []]]));
        expect(await store.readStreams([], 10)).toEqual(new Map());
      });

      it('reads a stream asked for twice once, from the lower revision', async () => {
        const tails = await store.readStreams(
          [
            { customerId: b, fromRevision: 2 },
            { customerId: b, fromRevision: 1 },
          ],
          100,
        );
        expect(tails).toEqual(new Map([[b, ofB.slice(1)]]));
      });

      it('leaves out every stream it could not read whole within maxEvents, and no other', async () => {
        const requests = [
          { customerId: b, fromRevision: 0 },
          { customerId: empty, fromRevision: 0 },
          { customerId: a, fromRevision: 0 },
        ];
        // b's 3 events fit, a's 5 do not: a is left out, not cut.
        for (const maxEvents of [3, 4, 7]) {
          const tails = await store.readStreams(requests, maxEvents);
          expect(tails.get(a)).toBeUndefined();
          if (tails.has(b)) expect(tails.get(b)).toEqual(ofB);
          if (tails.has(empty)) expect(tails.get(empty)).toEqual([]);
        }
        expect((await store.readStreams(requests, 4)).get(b)).toEqual(ofB);
        expect(await store.readStreams(requests, 8)).toEqual(
          new Map([
            [b, ofB],
            [empty, []],
            [a, ofA],
          ]),
        );
      });
    });

    describe('readAll and positions', () => {
      it('reports head position -1 for an empty log, then the last position', async () => {
        expect(await store.headPosition()).toBe(-1);
        expect(await store.readAll()).toEqual([]);
        const { events } = await store.append(customer('head'), [newEvent(), newEvent()], 'no_stream');
        expect(await store.headPosition()).toBe(events[1].position);
      });

      it('reads every stream in record order with strictly increasing positions', async () => {
        const a = customer('all-a');
        const b = customer('all-b');
        const order = [
          ...(await store.append(a, [newEvent()], 'no_stream')).events,
          ...(await store.append(b, [newEvent(), newEvent()], 'no_stream')).events,
          ...(await store.append(a, [newEvent()], 0)).events,
          ...(await store.append(b, [newEvent()], 1)).events,
        ];
        const all = await store.readAll();
        expect(all).toEqual(order);
        for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
        expect(await store.headPosition()).toBe(all[all.length - 1].position);
      });

      it('reads strictly after `after` and stops after maxCount', async () => {
        await store.append(customer('after'), Array.from({ length: 5 }, () => newEvent()), 'no_stream');
        const all = await store.readAll();
        expect(await store.readAll({ after: all[1].position })).toEqual(all.slice(2));
        expect(await store.readAll({ after: all[1].position, maxCount: 2 })).toEqual(all.slice(2, 4));
        expect(await store.readAll({ after: all[4].position })).toEqual([]);
        expect(await store.readAll({ maxCount: 1 })).toEqual([all[0]]);
      });

      it('does not move the head on a failed append', async () => {
        const id = customer('head-fail');
        await store.append(id, [newEvent()], 'no_stream');
        const head = await store.headPosition();
        await expect(store.append(id, [newEvent()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.headPosition()).toBe(head);
        const { events } = await store.append(id, [newEvent()], 0);
        expect(events[0].position).toBeGreaterThan(head);
      });
    });

    describe('findByEventId', () => {
      it('finds a recorded event wherever it is, and nothing for an unknown id', async () => {
        await store.append(customer('find-a'), [newEvent(), newEvent()], 'no_stream');
        const { events } = await store.append(customer('find-b'), [newEvent(), newEvent()], 'no_stream');
        expect(await store.findByEventId(events[1].eventId)).toEqual(events[1]);
        expect(await store.findByEventId(randomUUID())).toBeUndefined();
      });
    });

    describe('concurrency', () => {
      it(
        '50 concurrent optimistic writers to one customer get revisions 0..49, nothing lost or overwritten',
        async () => {
          const id = customer('race');
          const events = Array.from({ length: 50 }, (_, i) => newEvent({ data: { writer: i } }));
          const conflicts: WrongExpectedRevisionError[] = [];

          const writeWithRetry = async (event: NewEvent): Promise<void> => {
            for (let attempt = 0; attempt < 500; attempt++) {
              const [last] = await store.readStream(id, { direction: 'backward', maxCount: 1 });
              const expected: ExpectedRevision = last === undefined ? 'no_stream' : last.revision;
              try {
                await store.append(id, [event], expected);
                return;
              } catch (error) {
                if (!(error instanceof WrongExpectedRevisionError)) throw error;
                conflicts.push(error);
              }
            }
            throw new Error(`writer of ${event.eventId} gave up`);
          };
          await Promise.all(events.map(writeWithRetry));

          const stream = await store.readStream(id);
          expect(stream.map((e) => e.revision)).toEqual(range(50));
          expect(new Set(stream.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.eventId)));
          for (const recorded of stream) {
            const original = events.find((e) => e.eventId === recorded.eventId)!;
            expect(recorded.data).toEqual(original.data);
          }
          // The writers really did race, and each refusal named a revision the stream had reached.
          expect(conflicts.length).toBeGreaterThan(0);
          for (const conflict of conflicts) {
            expect(conflict.actual).toBeGreaterThanOrEqual(0);
            expect(conflict.actual).toBeLessThan(50);
            expect(conflict.actual).not.toBe(conflict.expected);
          }
          expect(verifyChain(stream)).toMatchObject({ ok: true, checked: 50 });
        },
        SLOW_TEST_MS,
      );

      it(
        "50 concurrent 'any' appends to one customer all land, chained",
        async () => {
          const id = customer('any-race');
          const events = Array.from({ length: 50 }, () => newEvent());
          await Promise.all(events.map((event) => store.append(id, [event], 'any')));
          const stream = await store.readStream(id);
          expect(stream.map((e) => e.revision)).toEqual(range(50));
          expect(new Set(stream.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.eventId)));
          expect(verifyChain(stream)).toMatchObject({ ok: true, checked: 50 });
        },
        SLOW_TEST_MS,
      );

      it(
        'concurrent appends to many customers keep every stream whole',
        async () => {
          const ids = Array.from({ length: 10 }, (_, i) => customer(`many-${i}`));
          await Promise.all(ids.flatMap((id) => Array.from({ length: 5 }, () => store.append(id, [newEvent(), newEvent()], 'any'))));
          for (const id of ids) {
            const stream = await store.readStream(id);
            expect(stream.map((e) => e.revision)).toEqual(range(10));
            expect(verifyChain(stream)).toMatchObject({ ok: true, checked: 10 });
          }
          expect(await store.readAll()).toHaveLength(100);
        },
        SLOW_TEST_MS,
      );
    });

    describe('follow', () => {
      it(
        'delivers existing events, then ones appended later, in log order',
        async () => {
          const id = customer('follow');
          const existing = (await store.append(id, [newEvent(), newEvent(), newEvent()], 'no_stream')).events;
          const follower = startFollowing(store);
          await eventually(() => follower.received.length >= 3);
          expect(follower.received).toEqual(existing);

          const later = (await store.append(id, [newEvent(), newEvent()], 2)).events;
          const elsewhere = (await store.append(customer('follow-other'), [newEvent()], 'no_stream')).events;
          await eventually(() => follower.received.length >= 6);
          await follower.stop();
          expect(follower.received).toEqual([...existing, ...later, ...elsewhere]);
        },
        SLOW_TEST_MS,
      );

      it(
        'resumes strictly after the given position',
        async () => {
          const id = customer('resume');
          const recorded = (await store.append(id, Array.from({ length: 5 }, () => newEvent()), 'no_stream')).events;
          const follower = startFollowing(store, { after: recorded[2].position });
          await eventually(() => follower.received.length >= 2);
          const next = (await store.append(id, [newEvent()], 4)).events;
          await eventually(() => follower.received.length >= 3);
          await follower.stop();
          expect(follower.received).toEqual([recorded[3], recorded[4], next[0]]);
        },
        SLOW_TEST_MS,
      );

      it(
        'waits on an empty log and delivers the first append',
        async () => {
          const follower = startFollowing(store);
          await sleep(50);
          expect(follower.received).toEqual([]);
          const { events } = await store.append(customer('first'), [newEvent()], 'no_stream');
          await eventually(() => follower.received.length >= 1);
          await follower.stop();
          expect(follower.received).toEqual(events);
        },
        SLOW_TEST_MS,
      );

      it(
        'yields batches no larger than batchSize',
        async () => {
          await store.append(customer('batches'), Array.from({ length: 7 }, () => newEvent()), 'no_stream');
          const follower = startFollowing(store, { batchSize: 3 });
          await eventually(() => follower.received.length >= 7);
          await follower.stop();
          expect(follower.batchSizes[0]).toBe(3);
          expect(follower.batchSizes.every((size) => size >= 1 && size <= 3)).toBe(true);
          expect(follower.received.map((e) => e.position)).toEqual((await store.readAll()).map((e) => e.position));
        },
        SLOW_TEST_MS,
      );

      it(
        'ends when the signal aborts and delivers nothing after',
        async () => {
          const id = customer('abort');
          await store.append(id, [newEvent()], 'no_stream');
          const follower = startFollowing(store);
          await eventually(() => follower.received.length >= 1);
          await follower.stop();
          await store.append(id, [newEvent()], 0);
          await sleep(50);
          expect(follower.received).toHaveLength(1);
        },
        SLOW_TEST_MS,
      );

      it(
        'ends at once for a signal that is already aborted',
        async () => {
          await store.append(customer('pre-abort'), [newEvent()], 'no_stream');
          const controller = new AbortController();
          controller.abort();
          const batches: RecordedEvent[][] = [];
          await withTimeout(
            (async () => {
              for await (const batch of store.follow({ signal: controller.signal })) batches.push(batch);
            })(),
            5_000,
            'follow with an aborted signal did not end',
          );
          expect(batches).toEqual([]);
        },
        SLOW_TEST_MS,
      );

      it(
        'ends when the consumer breaks out of the loop',
        async () => {
          await store.append(customer('break'), [newEvent(), newEvent()], 'no_stream');
          let seen = 0;
          await withTimeout(
            (async () => {
              for await (const batch of store.follow({ batchSize: 1 })) {
                seen += batch.length;
                break;
              }
            })(),
            5_000,
            'breaking out of follow did not end it',
          );
          expect(seen).toBe(1);
        },
        SLOW_TEST_MS,
      );
    });

    describe('close', () => {
      it(
        'ends an active follow loop and may be called twice',
        async () => {
          await store.append(customer('close'), [newEvent()], 'no_stream');
          const received: RecordedEvent[] = [];
          const loop = (async () => {
            for await (const batch of store.follow()) received.push(...batch);
          })();
          await eventually(() => received.length === 1);
          await store.close();
          await store.close();
          await withTimeout(loop, 5_000, 'follow did not end on close');
          expect(received).toHaveLength(1);
        },
        SLOW_TEST_MS,
      );
    });

    describe('hash chain', () => {
      it('chains every stream from the zero hash, and verifyChain accepts it', async () => {
        const a = customer('chain-a');
        const b = customer('chain-b');
        await store.append(a, [newEvent(), newEvent()], 'no_stream');
        await store.append(b, [newEvent()], 'no_stream');
        await store.append(a, [newEvent()], 1);
        await store.append(b, [newEvent(), newEvent()], 0);

        for (const id of [a, b]) {
          const stream = await store.readStream(id);
          expect(stream[0].hash).toBe(computeEventHash(ZERO_HASH, stream[0]));
          for (let i = 1; i < stream.length; i++) expect(stream[i].hash).toBe(computeEventHash(stream[i - 1].hash, stream[i]));
          for (const event of stream) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
          expect(verifyChain(stream)).toEqual({ ok: true, checked: 3, lastHash: stream[2].hash });
        }
      });

      it('returns from append the hashes that reads return', async () => {
        const id = customer('chain-echo');
        const { events } = await store.append(id, [newEvent({ data: { nested: { deep: [1, { x: 'y' }] }, drop: undefined } })], 'no_stream');
        expect(await store.readStream(id)).toEqual(events);
        expect(verifyChain(events)).toMatchObject({ ok: true });
      });
    });

    describe('round trip', () => {
      it('returns data and metadata exactly, unicode and nesting included', async () => {
        const id = customer('unicode');
        const data = {
          name: 'Zoë Ñandú-Łukasiewicz 山田太郎 مرحبا',
          email: 'zoë@exämple.com',
          attributes: {
            emoji: '👩‍💻🎉',
            combining: 'e\u0301',
            quotes: 'she said "hi" \\ \n\t\u2028\u0000',
            '键': '值',
            '': 'empty key',
            nested: { list: [1, -2.5, 0, 1e21, 123456789012345, true, false, null, 'x'], object: { deeper: { deepest: 'ok' } } },
          },
        };
        const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'crm-sync ✓', source: 'svc/ünïcode' };
        const { events } = await store.append(id, [newEvent({ type: 'identified', data, metadata })], 'no_stream');
        for (const recorded of [events[0], (await store.readStream(id))[0], await store.findByEventId(events[0].eventId)]) {
          expect(recorded?.data).toEqual(data);
          expect(recorded?.metadata).toEqual(metadata);
        }
        // Personal fields (name, email, attributes) are hashed as recorded, so the chain is checked where auditors check it.
        expect(verifyChain(await (fixture.audit ?? store).readStream(id))).toMatchObject({ ok: true });
      });

      it('keeps empty metadata empty', async () => {
        const id = customer('empty-meta');
        await store.append(id, [newEvent({ metadata: {} })], 'no_stream');
        expect((await store.readStream(id))[0].metadata).toEqual({});
      });
    });

    describe('schema version', () => {
      it(
        'records a version from 2 on with its event, hashed, and every read returns it',
        async () => {
          const id = customer('schema-version');
          const follower = startFollowing(store);
          const { events } = await store.append(id, [newEvent({ schemaVersion: 2 }), newEvent(), newEvent({ schemaVersion: 7 })], 'no_stream');
          expect(events.map((event) => event.schemaVersion)).toEqual([2, undefined, 7]);
          const reads = [
            await store.readStream(id),
            (await store.readStream(id, { direction: 'backward' })).reverse(),
            (await store.readAll()).filter((event) => event.customerId === id),
            await Promise.all(events.map(async (event) => (await store.findByEventId(event.eventId))!)),
          ];
          await eventually(() => follower.received.length >= 3);
          await follower.stop();
          for (const read of [...reads, follower.received]) {
            expect(read.map((event) => event.schemaVersion)).toEqual([2, undefined, 7]);
            expect(read).toEqual(events);
          }
          // The version is hashed: the same event without it would carry another hash.
          expect(events[0].hash).toBe(computeEventHash(ZERO_HASH, events[0]));
          expect(events[0].hash).not.toBe(computeEventHash(ZERO_HASH, { ...events[0], schemaVersion: undefined }));
          expect(verifyChain(await (fixture.audit ?? store).readStream(id))).toMatchObject({ ok: true, checked: 3 });
        },
        SLOW_TEST_MS,
      );

      it('reads an event appended without a version, or at version 1, as version 1, hashed exactly as before versions existed', async () => {
        const id = customer('schema-v1');
        const { events } = await store.append(id, [newEvent(), newEvent({ schemaVersion: 1 })], 'no_stream');
        const stream = await store.readStream(id);
        for (const event of [...events, ...stream, await store.findByEventId(events[1].eventId)]) {
          expect(schemaVersionOf(event!)).toBe(1);
          // Not even `schemaVersion: 1`: the envelope shows exactly what the hash covers.
          expect(Object.hasOwn(event!, 'schemaVersion')).toBe(false);
        }
        // SPEC section 7 over the eight envelope fields alone, computed here, not by the code under test.
        let previous = ZERO_HASH;
        for (const event of stream) {
          const { eventId, type, customerId, occurredAt, recordedAt, revision, data, metadata } = event;
          const json = canonicalize({ eventId, type, customerId, occurredAt, recordedAt, revision, data, metadata })!;
          expect(event.hash).toBe(createHash('sha256').update(Buffer.from(previous, 'hex')).update(json, 'utf8').digest('hex'));
          previous = event.hash;
        }
      });

      it('refuses a version that is not an integer from 1, recording nothing', async () => {
        const id = customer('schema-bad');
        for (const schemaVersion of [0, -2, 1.5, Number.NaN, '2' as unknown as number]) {
          await expect(store.append(id, [newEvent(), newEvent({ schemaVersion })], 'any')).rejects.toBeInstanceOf(TypeError);
        }
        expect(await store.readStream(id)).toEqual([]);
      });
    });

    describe('tampering', () => {
      const tamperTest = options.tampering === false ? it.skip : it;
      let id: string;
      let untouched: string;
      let original: readonly RecordedEvent[];

      const tamperer = (): Tamperer => {
        if (!fixture.tamper) throw new Error('the fixture gave no tamperer; pass { tampering: false } if the adapter cannot be tampered with');
        return fixture.tamper;
      };
      const verifyStream = async (customerId: string) => verifyChain(await store.readStream(customerId));

      beforeEach(async () => {
        if (options.tampering === false) return;
        id = customer('tamper');
        untouched = customer('untouched');
        original = (await store.append(id, Array.from({ length: 5 }, (_, i) => newEvent({ data: { step: i } })), 'no_stream')).events;
        await store.append(untouched, [newEvent(), newEvent()], 'no_stream');
        expect(await verifyStream(id)).toMatchObject({ ok: true, checked: 5 });
      });

      tamperTest('detects a changed data field at its revision', async () => {
        await tamperer().updateData(id, 2, { step: 99 });
        expect(await verifyStream(id)).toEqual({
          ok: false,
          checked: 2,
          firstBadRevision: 2,
          reason: 'hash_mismatch',
          expectedHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          actualHash: original[2].hash,
        });
        expect(await verifyStream(untouched)).toMatchObject({ ok: true, checked: 2 });
      });

      tamperTest('detects a change to the last event', async () => {
        await tamperer().updateData(id, 4, { step: 4, extra: true });
        expect(await verifyStream(id)).toMatchObject({ ok: false, firstBadRevision: 4, reason: 'hash_mismatch' });
      });

      tamperTest('detects a removed event and names the missing revision', async () => {
        await tamperer().deleteEvent(id, 2);
        expect(await verifyStream(id)).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'revision_gap' });
      });

      tamperTest('detects a removed first event', async () => {
        await tamperer().deleteEvent(id, 0);
        expect(await verifyStream(id)).toMatchObject({ ok: false, checked: 0, firstBadRevision: 0 });
      });

      tamperTest('detects two events swapped and names the earlier place', async () => {
        await tamperer().swap(id, 1, 3);
        const result = await verifyStream(id);
        expect(result).toMatchObject({ ok: false, checked: 1, firstBadRevision: 1 });
        expect(['hash_mismatch', 'revision_out_of_order']).toContain(result.ok ? undefined : result.reason);
      });

      tamperTest('detects a version given to an event recorded without one: it changes how the data reads', async () => {
        await tamperer().setSchemaVersion(id, 2, 2);
        expect(await verifyStream(id)).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'hash_mismatch', actualHash: original[2].hash });
      });

      tamperTest('detects a version removed from an event recorded with one', async () => {
        const [versioned] = (await store.append(id, [newEvent({ schemaVersion: 2 })], 4)).events;
        expect(await verifyStream(id)).toMatchObject({ ok: true, checked: 6 });
        await tamperer().setSchemaVersion(id, 5, undefined);
        expect(await verifyStream(id)).toMatchObject({ ok: false, checked: 5, firstBadRevision: 5, reason: 'hash_mismatch', actualHash: versioned!.hash });
      });

      tamperTest('detects an edited hash and reports the hash it should be', async () => {
        const forged = 'f'.repeat(64);
        await tamperer().setHash(id, 3, forged);
        expect(await verifyStream(id)).toEqual({
          ok: false,
          checked: 3,
          firstBadRevision: 3,
          reason: 'hash_mismatch',
          expectedHash: original[3].hash,
          actualHash: forged,
        });
      });

      tamperTest('detects a changed event whose own hash was recomputed, at the next revision', async () => {
        const forgedData = { step: 'forged' };
        await tamperer().updateData(id, 2, forgedData);
        await tamperer().setHash(id, 2, computeEventHash(original[1].hash, { ...original[2], data: forgedData }));
        expect(await verifyStream(id)).toMatchObject({ ok: false, checked: 3, firstBadRevision: 3, reason: 'hash_mismatch' });
      });
    });
  });
}

// ---- helpers ---------------------------------------------------------------

let sequence = 0;

/** A unique, valid customerId, so tests never share a stream even on a shared log. */
function customer(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  sequence += 1;
  return {
    eventId: randomUUID(),
    type: 'contacted',
    occurredAt: '2024-05-01T09:30:00.000+02:00',
    data: { channel: 'email', direction: 'outbound', campaignId: `campaign-${sequence}` },
    metadata: { correlationId: `correlation-${sequence}`, source: 'event-store-contract' },
    ...overrides,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The rejection of a promise that must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Everything a failed append must leave unchanged. */
async function snapshot(store: EventStore, customerId: string) {
  return { stream: await store.readStream(customerId), all: await store.readAll(), head: await store.headPosition() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Consumes follow() in the background; stop() aborts and waits for the loop to end. */
function startFollowing(store: EventStore, options: Omit<FollowOptions, 'signal'> = {}) {
  const controller = new AbortController();
  const received: RecordedEvent[] = [];
  const batchSizes: number[] = [];
  const done = (async () => {
    for await (const batch of store.follow({ ...options, signal: controller.signal })) {
      batchSizes.push(batch.length);
      received.push(...batch);
    }
  })();
  // Surface a failing loop through stop(), not as an unhandled rejection.
  done.catch(() => undefined);
  return {
    received,
    batchSizes,
    stop: async () => {
      controller.abort();
      await withTimeout(done, 5_000, 'follow did not end after abort');
    },
  };
}

// The behaviour every ParkingLot must show, as one Jest suite each
// implementation runs unchanged: what the projector core (parkedAmong, park)
// and the dead-letter replayer (list, get, unpark at a version) rely on.
import { randomUUID } from 'node:crypto';
import type { ParkingLot, ParkRequest } from '../parking-lot';

export interface ParkingLotFixture {
  /** A fresh, empty parking lot. */
  readonly lot: ParkingLot;
  /** Runs after the suite has closed the lot. */
  readonly cleanup?: () => Promise<void>;
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function describeParkingLotContract(name: string, factory: () => Promise<ParkingLotFixture>, describeFn: jest.Describe = describe): void {
  describeFn(`ParkingLot contract: ${name}`, () => {
    let fixture: ParkingLotFixture;
    let lot: ParkingLot;

    beforeEach(async () => {
      fixture = await factory();
      lot = fixture.lot;
    });

    afterEach(async () => {
      await fixture.lot.close();
      await fixture.cleanup?.();
    });

    describe('an empty lot', () => {
      it('parks no one', async () => {
        expect(await lot.list()).toEqual([]);
        expect(await lot.get(customer('nobody'))).toBeUndefined();
        expect(await lot.parkedAmong([customer('a'), customer('b')])).toEqual(new Set());
        expect(await lot.parkedAmong([])).toEqual(new Set());
      });

      it('unparks no one', async () => {
        expect(await lot.unpark(customer('nobody'), 1)).toBe(false);
        expect(await lot.list()).toEqual([]);
      });
    });

    describe('park', () => {
      it('parks a customer at version 1 with why, since which revision, when, and how many dead letters', async () => {
        const id = customer('first');
        const before = Date.now();
        await lot.park(id, request({ kind: 'projection_failed', reason: 'amount is not a number', revision: 3, deadLettered: 2 }));
        const after = Date.now();

        const parked = await lot.get(id);
        expect(parked).toEqual({
          customerId: id,
          version: 1,
          kind: 'projection_failed',
          reason: 'amount is not a number',
          sinceRevision: 3,
          parkedAt: expect.stringMatching(ISO_UTC_MS),
          deadLettered: 2,
        });
        const parkedAt = Date.parse(parked!.parkedAt);
        expect(new Date(parkedAt).toISOString()).toBe(parked!.parkedAt);
        expect(parkedAt).toBeGreaterThanOrEqual(before);
        expect(parkedAt).toBeLessThanOrEqual(after);
      });

      it('records sinceRevision null when the failing event could not be read, and keeps revision 0', async () => {
        const unreadable = customer('unreadable');
        const atZero = customer('zero');
        await lot.park(unreadable, { kind: 'malformed', reason: 'not JSON', deadLettered: 1 });
        await lot.park(atZero, request({ revision: 0 }));
        expect(await lot.get(unreadable)).toMatchObject({ kind: 'malformed', reason: 'not JSON', sinceRevision: null });
        expect((await lot.get(atZero))?.sinceRevision).toBe(0);
      });

      it('parks again idempotently apart from the counters: version and dead letters grow, the first cause stays', async () => {
        const id = customer('again');
        await lot.park(id, request({ kind: 'projection_failed', reason: 'first', revision: 4, deadLettered: 1 }));
        const first = (await lot.get(id))!;
        await lot.park(id, request({ kind: 'held_back', reason: 'second', revision: 5, deadLettered: 3 }));
        await lot.park(id, { kind: 'malformed', reason: 'third', deadLettered: 0 });

        expect(await lot.get(id)).toEqual({ ...first, version: 3, deadLettered: 4 });
        expect(await lot.list()).toHaveLength(1);
      });

      it('leaves other customers as they were', async () => {
        const a = customer('a');
        const b = customer('b');
        await lot.park(a, request({ reason: 'a broke', deadLettered: 1 }));
        const parkedA = await lot.get(a);
        await lot.park(b, request({ reason: 'b broke', deadLettered: 5 }));
        await lot.park(b, request({ deadLettered: 1 }));
        expect(await lot.get(a)).toEqual(parkedA);
        expect(await lot.get(b)).toMatchObject({ customerId: b, version: 2, reason: 'b broke', deadLettered: 6 });
      });

      it('does not change what an earlier get returned', async () => {
        const id = customer('snapshot');
        await lot.park(id, request({ deadLettered: 1 }));
        const seen = await lot.get(id);
        await lot.park(id, request({ deadLettered: 1 }));
        expect(seen).toMatchObject({ version: 1, deadLettered: 1 });
      });

      it('counts every one of many concurrent parks of one customer, new or parked', async () => {
        const id = customer('race');
        await Promise.all(Array.from({ length: 20 }, (_, i) => lot.park(id, request({ reason: `park ${i}`, deadLettered: 2 }))));
        expect(await lot.get(id)).toMatchObject({ customerId: id, version: 20, deadLettered: 40 });
        await Promise.all(Array.from({ length: 10 }, () => lot.park(id, request({ deadLettered: 1 }))));
        expect(await lot.get(id)).toMatchObject({ customerId: id, version: 30, deadLettered: 50 });
        expect(await lot.list()).toHaveLength(1);
      });
    });

    describe('parkedAmong', () => {
      it('names exactly the parked customers among those asked about', async () => {
        const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(customer);
        await lot.park(a, request());
        await lot.park(c, request());
        await lot.park(d, request());
        expect(await lot.parkedAmong([a, b, c])).toEqual(new Set([a, c]));
        expect(await lot.parkedAmong([b])).toEqual(new Set());
        expect(await lot.parkedAmong([d, d, b, d])).toEqual(new Set([d]));
      });

      it('answers for many customers at once', async () => {
        const ids = Array.from({ length: 300 }, (_, i) => customer(`many-${i}`));
        const parked = ids.filter((_, i) => i % 7 === 0);
        for (const id of parked) await lot.park(id, request());
        expect(await lot.parkedAmong(ids)).toEqual(new Set(parked));
      });
    });

    describe('list', () => {
      it('lists every parked customer in customerId order, as get returns them', async () => {
        // Customer ids allow A-Z a-z 0-9 _ . : - ; the order is by code point, as a string compare.
        const suffix = randomUUID().slice(0, 8);
        const ids = ['b', 'a', 'B', 'A_1', 'a-2', '10', '9', 'a.1', 'a:1', 'Z'].map((label) => `${label}-${suffix}`);
        for (const [i, id] of ids.entries()) await lot.park(id, request({ reason: `reason ${i}`, revision: i }));

        const listed = await lot.list();
        expect(listed.map((p) => p.customerId)).toEqual([...ids].sort(byCodePoint));
        for (const parked of listed) expect(await lot.get(parked.customerId)).toEqual(parked);
      });
    });

    describe('unpark', () => {
      it('unparks at the version last parked: no longer parked, listed or held back', async () => {
        const id = customer('release');
        const other = customer('stays');
        await lot.park(id, request());
        await lot.park(id, request());
        await lot.park(other, request());

        expect(await lot.unpark(id, 2)).toBe(true);
        expect(await lot.get(id)).toBeUndefined();
        expect(await lot.parkedAmong([id, other])).toEqual(new Set([other]));
        expect((await lot.list()).map((p) => p.customerId)).toEqual([other]);
        // Done once: a second unpark finds nothing.
        expect(await lot.unpark(id, 2)).toBe(false);
      });

      it('refuses a version the customer has moved past, and keeps it parked and its counters', async () => {
        const id = customer('busy');
        await lot.park(id, request({ reason: 'first', deadLettered: 1 }));
        const seenByReplay = (await lot.get(id))!.version;
        // The projector parks another event while the replay scans the dead letters.
        await lot.park(id, request({ reason: 'meanwhile', deadLettered: 1 }));
        const parked = await lot.get(id);

        expect(await lot.unpark(id, seenByReplay)).toBe(false);
        expect(await lot.get(id)).toEqual(parked);
        expect(await lot.parkedAmong([id])).toEqual(new Set([id]));
        // The replay reads the version again, scans again, and then may unpark.
        expect(await lot.unpark(id, parked!.version)).toBe(true);
      });

      it('refuses a version the customer has not reached', async () => {
        const id = customer('ahead');
        await lot.park(id, request());
        expect(await lot.unpark(id, 2)).toBe(false);
        expect(await lot.unpark(id, 0)).toBe(false);
        expect((await lot.get(id))?.version).toBe(1);
      });

      it('leaves a customer free to be parked afresh, with the new cause, at a version it never had', async () => {
        const id = customer('twice');
        await lot.park(id, request({ kind: 'projection_failed', reason: 'old', revision: 1, deadLettered: 4 }));
        await lot.park(id, request({ deadLettered: 1 }));
        // Two replays read version 2; one unparks, then the projector parks the customer again.
        expect(await lot.unpark(id, 2)).toBe(true);
        await lot.park(id, request({ kind: 'malformed', reason: 'new', revision: 9, deadLettered: 1 }));
        const again = await lot.get(id);
        expect(again).toMatchObject({ customerId: id, kind: 'malformed', reason: 'new', sinceRevision: 9, deadLettered: 1 });
        expect(again!.version).toBeGreaterThan(2);
        // The other replay's stale version must not release the new park (its dead letters are not in that scan).
        expect(await lot.unpark(id, 2)).toBe(false);
        expect(await lot.unpark(id, 1)).toBe(false);
        expect(await lot.parkedAmong([id])).toEqual(new Set([id]));
      });

      it('never loses a park that races an unpark: the customer ends up parked either way', async () => {
        const ids = Array.from({ length: 10 }, (_, i) => customer(`race-${i}`));
        for (const id of ids) await lot.park(id, request({ reason: 'first', deadLettered: 1 }));
        const unparked = await Promise.all(
          ids.map(async (id) => (await Promise.all([lot.park(id, request({ reason: 'racing', deadLettered: 1 })), lot.unpark(id, 1)]))[1]),
        );
        for (const [i, id] of ids.entries()) {
          const parked = await lot.get(id);
          // Unparked first: the racing park starts a new park. Parked first: the unpark is refused.
          if (unparked[i]) expect(parked).toMatchObject({ reason: 'racing', deadLettered: 1 });
          else expect(parked).toMatchObject({ reason: 'first', version: 2, deadLettered: 2 });
        }
        expect(await lot.parkedAmong(ids)).toEqual(new Set(ids));
      });

      it('of one customer leaves the others parked', async () => {
        const [a, b] = ['a', 'b'].map(customer);
        await lot.park(a, request());
        await lot.park(b, request({ deadLettered: 3 }));
        const parkedB = await lot.get(b);
        expect(await lot.unpark(a, 1)).toBe(true);
        expect(await lot.get(b)).toEqual(parkedB);
      });
    });
  });
}

// ---- helpers ---------------------------------------------------------------

/** A unique, valid customerId, so tests never share a customer even on a shared collection. */
function customer(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

function request(overrides: Partial<ParkRequest> = {}): ParkRequest {
  return { kind: 'projection_failed', reason: 'projection failed', revision: 1, deadLettered: 1, ...overrides };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { RecordedEvent } from './event-store.port';
import { canonicalEventJson, ChainVerifier, computeEventHash, verifyChain, ZERO_HASH, type HashedEventFields } from './hash-chain';

const first: RecordedEvent = {
  eventId: '0b7f1d9e-3c1a-4c2e-9d0b-5a6f7e8d9c0b',
  type: 'purchased',
  customerId: 'cust-42',
  occurredAt: '2024-03-01T10:00:00+01:00',
  recordedAt: '2024-03-01T09:00:00.123Z',
  revision: 0,
  position: 17,
  // Insertion order differs from JCS order on purpose.
  data: { orderId: 'o-1', amount: 1999, currency: 'EUR', note: 'Zoë 👍', nested: { b: 1.5, a: [true, null] } },
  metadata: { source: 'shop', actor: 'crm-sync' },
  hash: 'not part of the hash',
};
// Written by hand from RFC 8785: keys sorted, no whitespace, no hash, no position.
const FIRST_CANONICAL =
  '{"customerId":"cust-42","data":{"amount":1999,"currency":"EUR","nested":{"a":[true,null],"b":1.5},"note":"Zoë 👍","orderId":"o-1"},' +
  '"eventId":"0b7f1d9e-3c1a-4c2e-9d0b-5a6f7e8d9c0b","metadata":{"actor":"crm-sync","source":"shop"},' +
  '"occurredAt":"2024-03-01T10:00:00+01:00","recordedAt":"2024-03-01T09:00:00.123Z","revision":0,"type":"purchased"}';
// Computed outside Node (Python hashlib) over 32 zero bytes ‖ FIRST_CANONICAL.
const FIRST_HASH = 'f30be97c7cd93b34d740ec267fce8166d3734f00fcdc4db34be66d3b93e474ca';

const second: RecordedEvent = {
  eventId: '5d2c3b4a-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  type: 'contacted',
  customerId: 'cust-42',
  occurredAt: '2024-03-02T08:15:00Z',
  recordedAt: '2024-03-02T08:15:01.000Z',
  revision: 1,
  position: 30,
  data: { direction: 'inbound', channel: 'email', outcome: 'responded' },
  metadata: {},
  hash: '',
};
const SECOND_CANONICAL =
  '{"customerId":"cust-42","data":{"channel":"email","direction":"inbound","outcome":"responded"},' +
  '"eventId":"5d2c3b4a-1e0f-4a9b-8c7d-6e5f4a3b2c1d","metadata":{},"occurredAt":"2024-03-02T08:15:00Z",' +
  '"recordedAt":"2024-03-02T08:15:01.000Z","revision":1,"type":"contacted"}';
const SECOND_HASH = 'ca0a0f25428f691380ba26c1d676478629d35854197622ba6263f0352d5e10f3';

function sha256(...parts: Buffer[]): string {
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex');
}

/** A correctly chained stream of n events for one customer. */
function chain(n: number, customerId = 'cust-7', dataOf: (i: number) => unknown = (i) => ({ i })): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  let previous = ZERO_HASH;
  for (let revision = 0; revision < n; revision++) {
    const fields: HashedEventFields = {
      eventId: `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`,
      type: 'contacted',
      customerId,
      occurredAt: '2024-01-01T00:00:00Z',
      recordedAt: `2024-01-01T00:00:${String(revision % 60).padStart(2, '0')}.000Z`,
      revision,
      data: dataOf(revision),
      metadata: { source: 'test' },
    };
    const hash = computeEventHash(previous, fields);
    events.push({ ...fields, position: 100 + revision * 3, hash });
    previous = hash;
  }
  return events;
}

describe('ZERO_HASH', () => {
  it('is 32 zero bytes in hex', () => {
    expect(Buffer.from(ZERO_HASH, 'hex')).toEqual(Buffer.alloc(32));
    expect(ZERO_HASH).toHaveLength(64);
  });
});

describe('canonicalEventJson', () => {
  it('is RFC 8785 JSON of exactly the hashed fields', () => {
    expect(canonicalEventJson(first)).toBe(FIRST_CANONICAL);
  });

  it('sorts keys by UTF-16 code units and writes numbers the ECMAScript way (RFC 8785 §3.2)', () => {
    const event = {
      ...second,
      // U+1F600 is a surrogate pair starting 0xD83D, so it sorts before U+FB33 although its code point is larger.
      data: { '\u{1F600}': 1, '\uFB33': 2, '\u20AC': 3, '1': 4, a: 5, '\r': 6, n: [1.0, 1e21, 0.1 + 0.2, -0, 5e-7, 1e-7], s: '\u2028"\\\u0001' },
    };
    const expected =
      '{"\\r":6,"1":4,"a":5,"n":[1,1e+21,0.30000000000000004,0,5e-7,1e-7],"s":"\u2028\\"\\\\\\u0001","\u20AC":3,"\u{1F600}":1,"\uFB33":2}';
    expect(canonicalEventJson(event)).toContain(`"data":${expected},"eventId"`);
  });

  it('holds a payload schema version from 2 on, in its sorted place, and leaves version 1 out as none', () => {
    expect(canonicalEventJson({ ...first, schemaVersion: 2 })).toBe(FIRST_CANONICAL.replace('"revision":0,', '"revision":0,"schemaVersion":2,'));
    // Events hashed before versions existed are version 1: their JSON, and so their hashes, stay as they were.
    expect(canonicalEventJson({ ...first, schemaVersion: 1 })).toBe(FIRST_CANONICAL);
    expect(computeEventHash(ZERO_HASH, { ...first, schemaVersion: 1 })).toBe(FIRST_HASH);
    expect(computeEventHash(ZERO_HASH, { ...first, schemaVersion: 2 })).not.toBe(FIRST_HASH);
  });

  it('drops undefined members, as JSON does', () => {
    expect(canonicalEventJson({ ...second, data: { a: 1, b: undefined } })).toBe(canonicalEventJson({ ...second, data: { a: 1 } }));
  });
});

describe('computeEventHash', () => {
  it('matches a digest computed independently (known answer)', () => {
    expect(sha256(Buffer.alloc(32), Buffer.from(FIRST_CANONICAL, 'utf8'))).toBe(FIRST_HASH);
    expect(computeEventHash(ZERO_HASH, first)).toBe(FIRST_HASH);
  });

  it('chains on the raw bytes of the previous hash, not its hex text', () => {
    expect(sha256(Buffer.from(FIRST_HASH, 'hex'), Buffer.from(SECOND_CANONICAL, 'utf8'))).toBe(SECOND_HASH);
    expect(computeEventHash(FIRST_HASH, second)).toBe(SECOND_HASH);
    expect(computeEventHash(FIRST_HASH, second)).not.toBe(sha256(Buffer.from(FIRST_HASH, 'utf8'), Buffer.from(SECOND_CANONICAL, 'utf8')));
  });

  it('ignores position and hash, and does not depend on key insertion order', () => {
    const reordered = { ...first, position: 999, hash: 'x', data: { nested: { a: [true, null], b: 1.5 }, note: 'Zoë 👍', currency: 'EUR', amount: 1999, orderId: 'o-1' } };
    expect(computeEventHash(ZERO_HASH, reordered)).toBe(FIRST_HASH);
  });

  it('changes with every hashed field and with the previous hash', () => {
    const variants: Partial<RecordedEvent>[] = [
      { eventId: 'other' },
      { type: 'qualified' },
      { customerId: 'cust-43' },
      { occurredAt: '2024-03-01T10:00:00.000+01:00' },
      { recordedAt: '2024-03-01T09:00:00.124Z' },
      { revision: 1 },
      { data: { ...(first.data as object), amount: 2000 } },
      { metadata: { source: 'shop', actor: 'someone-else' } },
    ];
    for (const variant of variants) expect(computeEventHash(ZERO_HASH, { ...first, ...variant })).not.toBe(FIRST_HASH);
    expect(computeEventHash('1'.padStart(64, '0'), first)).not.toBe(FIRST_HASH);
  });

  it('refuses a malformed previous hash', () => {
    for (const bad of ['', 'abc', 'g'.repeat(64), ZERO_HASH.toUpperCase().replace(/0/g, 'A'), ZERO_HASH + '00']) {
      expect(() => computeEventHash(bad, first)).toThrow(TypeError);
    }
  });
});

describe('verifyChain', () => {
  it('accepts an empty stream', () => {
    expect(verifyChain([])).toEqual({ ok: true, checked: 0, lastHash: ZERO_HASH });
  });

  it('accepts the known-answer chain', () => {
    const events = [
      { ...first, hash: FIRST_HASH },
      { ...second, hash: SECOND_HASH },
    ];
    expect(verifyChain(events)).toEqual({ ok: true, checked: 2, lastHash: SECOND_HASH });
  });

  it('accepts a well-formed chain whatever the positions', () => {
    const events = chain(6);
    expect(verifyChain(events)).toEqual({ ok: true, checked: 6, lastHash: events[5].hash });
    expect(verifyChain(events.map((e, i) => ({ ...e, position: 1000 - i })))).toMatchObject({ ok: true });
  });

  it.each<[string, Partial<RecordedEvent>]>([
    ['eventId', { eventId: 'forged' }],
    ['type', { type: 'purchased' }],
    ['occurredAt', { occurredAt: '2023-01-01T00:00:00Z' }],
    ['recordedAt', { recordedAt: '2030-01-01T00:00:00.000Z' }],
    ['data', { data: { i: 'forged' } }],
    ['metadata', { metadata: { source: 'test', actor: 'mallory' } }],
  ])('names the revision whose %s changed', (_field, change) => {
    const events = chain(5);
    events[3] = { ...events[3], ...change };
    expect(verifyChain(events)).toEqual({
      ok: false,
      checked: 3,
      firstBadRevision: 3,
      reason: 'hash_mismatch',
      expectedHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      actualHash: chain(5)[3].hash,
    });
  });

  it('names a removed event as a revision gap', () => {
    const events = chain(5);
    expect(verifyChain([...events.slice(0, 2), ...events.slice(3)])).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'revision_gap' });
    expect(verifyChain(events.slice(1))).toMatchObject({ ok: false, checked: 0, firstBadRevision: 0, reason: 'revision_gap' });
  });

  it('detects a removed event renumbered to close the gap', () => {
    const events = chain(5);
    const renumbered = [...events.slice(0, 2), ...events.slice(3).map((e) => ({ ...e, revision: e.revision - 1 }))];
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'hash_mismatch' });
  });

  it('cannot see a removed tail by itself, but its lastHash differs', () => {
    const events = chain(5);
    const truncated = verifyChain(events.slice(0, 4));
    expect(truncated).toMatchObject({ ok: true, checked: 4 });
    expect(truncated.ok && truncated.lastHash).not.toBe(events[4].hash);
  });

  it('names reordered events', () => {
    const events = chain(5);
    expect(verifyChain([events[0], events[3], events[2], events[1], events[4]])).toMatchObject({
      ok: false,
      checked: 1,
      firstBadRevision: 1,
      reason: 'revision_gap',
    });
    expect(verifyChain([events[0], events[2], events[1], events[3], events[4]])).toMatchObject({ ok: false, firstBadRevision: 1 });
    // Contents swapped but revision numbers left in place.
    const swapped = [events[0], { ...events[3], revision: 1 }, events[2], { ...events[1], revision: 3 }, events[4]];
    expect(verifyChain(swapped)).toMatchObject({ ok: false, checked: 1, firstBadRevision: 1, reason: 'hash_mismatch' });
  });

  it('names a repeated revision as out of order', () => {
    const events = chain(3);
    expect(verifyChain([events[0], events[1], events[1], events[2]])).toMatchObject({
      ok: false,
      checked: 2,
      firstBadRevision: 2,
      reason: 'revision_out_of_order',
    });
  });

  it('names an edited hash and reports the one it should be', () => {
    const events = chain(4);
    const original = events[2].hash;
    events[2] = { ...events[2], hash: 'a'.repeat(64) };
    expect(verifyChain(events)).toEqual({
      ok: false,
      checked: 2,
      firstBadRevision: 2,
      reason: 'hash_mismatch',
      expectedHash: original,
      actualHash: 'a'.repeat(64),
    });
  });

  it('treats a malformed stored hash as a mismatch rather than throwing', () => {
    const events = chain(3);
    events[1] = { ...events[1], hash: events[1].hash.toUpperCase() };
    expect(verifyChain(events)).toMatchObject({ ok: false, firstBadRevision: 1, reason: 'hash_mismatch' });
  });

  it('catches an event re-hashed after its change at the next revision (the broken link)', () => {
    const events = chain(4);
    const forged = { ...events[1], data: { i: 'forged' } };
    events[1] = { ...forged, hash: computeEventHash(events[0].hash, forged) };
    expect(verifyChain(events)).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'hash_mismatch' });
  });

  it("names an event of another customer's stream", () => {
    const mine = chain(3, 'cust-a');
    const theirs = chain(3, 'cust-b');
    expect(verifyChain([mine[0], theirs[1], mine[2]])).toMatchObject({ ok: false, checked: 1, firstBadRevision: 1, reason: 'customer_mismatch' });
  });

  it('accepts any untampered chain and names any single changed payload (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (payloads, pick) => {
          const events = chain(payloads.length, 'cust-p', (i) => payloads[i]);
          expect(verifyChain(events)).toMatchObject({ ok: true, checked: payloads.length });
          const target = pick % payloads.length;
          // Wrapping always changes the canonical form, unlike e.g. 0 → -0.
          events[target] = { ...events[target], data: { tampered: payloads[target] ?? null } };
          expect(verifyChain(events)).toMatchObject({ ok: false, firstBadRevision: target, reason: 'hash_mismatch' });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ChainVerifier (a page at a time)', () => {
  /** The stream fed in pages cut at the given sizes (cycled). */
  function inPages(events: readonly RecordedEvent[], sizes: readonly number[]) {
    const verifier = new ChainVerifier();
    for (let at = 0, i = 0; at < events.length; i++) {
      const size = sizes[i % sizes.length]!;
      verifier.add(events.slice(at, at + size));
      at += size;
    }
    return verifier.result();
  }

  it('gives the verdict verifyChain gives for the whole stream, wherever the pages are cut (property)', () => {
    const tamperings: ((events: RecordedEvent[]) => RecordedEvent[])[] = [
      (e) => e,
      (e) => [...e.slice(0, 3), ...e.slice(4)],
      (e) => [e[0]!, e[2]!, e[1]!, ...e.slice(3)],
      (e) => e.map((x, i) => (i === 5 ? { ...x, data: { i: 'forged' } } : x)),
      (e) => e.map((x, i) => (i === 6 ? { ...x, hash: 'b'.repeat(64) } : x)),
      (e) => [...e.slice(0, 4), e[3]!, ...e.slice(4)],
      (e) => e.map((x, i) => (i === 2 ? { ...x, customerId: 'someone-else' } : x)),
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.nat(tamperings.length - 1), (sizes, t) => {
        const events = tamperings[t]!(chain(10));
        expect(inPages(events, sizes)).toEqual(verifyChain(events));
      }),
      { numRuns: 300 },
    );
  });

  it('says false once a bad event is found, and later pages change nothing', () => {
    const events = chain(6);
    events[2] = { ...events[2]!, data: { i: 'forged' } };
    const verifier = new ChainVerifier();
    expect(verifier.add(events.slice(0, 2))).toBe(true);
    expect(verifier.add(events.slice(2, 4))).toBe(false);
    expect(verifier.add(chain(6).slice(4))).toBe(false);
    expect(verifier.result()).toMatchObject({ ok: false, checked: 2, firstBadRevision: 2, reason: 'hash_mismatch' });
  });
});

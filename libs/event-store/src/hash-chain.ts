// The audit hash chain of SPEC section 7. Every adapter computes it the same
// way, so one verifier checks any log and a stream copied between logs keeps its
// hashes.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { RecordedEvent } from './event-store.port';

/** The previous hash of revision 0: 32 zero bytes, hex. */
export const ZERO_HASH = '0'.repeat(64);

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The hashed part of an event. `position` is left out because it differs
 * between log implementations, and `hash` because it is the output.
 * `schemaVersion` is hashed because it decides how `data` is read ("49.99" at
 * v1 is 4999 minor units); version 1 is left out of the JSON, so events
 * recorded before versions existed keep their hashes.
 */
export type HashedEventFields = Pick<
  RecordedEvent,
  'eventId' | 'type' | 'customerId' | 'occurredAt' | 'recordedAt' | 'revision' | 'schemaVersion' | 'data' | 'metadata'
>;

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

/** RFC 8785 canonical JSON of exactly the hashed fields (extra fields such as hash and position are ignored). */
export function canonicalEventJson(event: HashedEventFields): string {
  const hashed: HashedEventFields = {
    eventId: event.eventId,
    type: event.type,
    customerId: event.customerId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    revision: event.revision,
    ...(event.schemaVersion !== undefined && event.schemaVersion !== 1 ? { schemaVersion: event.schemaVersion } : {}),
    data: event.data,
    metadata: event.metadata,
  };
  const json = canonicalize(hashed);
  if (json === undefined) throw new TypeError('event cannot be serialised as JSON');
  return json;
}

/** Hex SHA-256 of (the 32 raw bytes of previousHash) ‖ (UTF-8 of the canonical JSON of the event). */
export function computeEventHash(previousHash: string, event: HashedEventFields): string {
  // Buffer.from(hex) silently drops bad digits, so a malformed link must fail loudly here.
  if (!isHash(previousHash)) throw new TypeError(`previous hash must be 64 lowercase hex digits, got ${JSON.stringify(previousHash)}`);
  return createHash('sha256')
    .update(Buffer.from(previousHash, 'hex'))
    .update(canonicalEventJson(event), 'utf8')
    .digest('hex');
}

export type ChainFailureReason =
  /** The stored hash is not SHA-256(previous stored hash ‖ this event): a field, the hash or the order was changed. */
  | 'hash_mismatch'
  /** A revision is missing: an event was removed (firstBadRevision names the missing one). */
  | 'revision_gap'
  /** A revision repeats or goes backwards: events were duplicated or reordered. */
  | 'revision_out_of_order'
  /** An event of another customer sits in the stream. */
  | 'customer_mismatch';

export type ChainVerification =
  | { readonly ok: true; readonly checked: number; readonly lastHash: string }
  | {
      readonly ok: false;
      /** Events verified good before the first bad one. */
      readonly checked: number;
      readonly firstBadRevision: number;
      readonly reason: ChainFailureReason;
      /** For hash_mismatch: the hash the event should carry, and the one it does. */
      readonly expectedHash?: string;
      readonly actualHash?: string;
    };

/**
 * Checks one customer's whole stream, in stream order from revision 0, and
 * names the first bad revision. A removed tail cannot be told from a shorter
 * stream by the chain alone; compare the returned lastHash with one kept
 * elsewhere to detect that.
 */
export function verifyChain(events: readonly RecordedEvent[]): ChainVerification {
  const verifier = new ChainVerifier();
  verifier.add(events);
  return verifier.result();
}

/**
 * verifyChain a page at a time: a stream too long to hold or to hash in one
 * go is fed in stream order, and the verdict is the same as for the whole.
 */
export class ChainVerifier {
  private previousHash = ZERO_HASH;
  private checked = 0;
  private customerId: string | undefined;
  private failure: ChainVerification | undefined;

  /** Checks the next events of the stream; false once a bad one is found (later pages change nothing). */
  add(events: readonly RecordedEvent[]): boolean {
    for (const event of events) {
      if (this.failure) return false;
      const index = this.checked;
      const fail = (reason: ChainFailureReason, firstBadRevision: number, hashes?: { expectedHash: string; actualHash: string }) => {
        this.failure = { ok: false, checked: index, firstBadRevision, reason, ...hashes } as const;
        return false;
      };
      this.customerId ??= event.customerId;
      if (event.revision > index) return fail('revision_gap', index);
      if (event.revision !== index) return fail('revision_out_of_order', index);
      if (event.customerId !== this.customerId) return fail('customer_mismatch', index);
      const expectedHash = computeEventHash(this.previousHash, event);
      if (event.hash !== expectedHash) return fail('hash_mismatch', index, { expectedHash, actualHash: event.hash });
      this.previousHash = event.hash;
      this.checked += 1;
    }
    return !this.failure;
  }

  result(): ChainVerification {
    return this.failure ?? { ok: true, checked: this.checked, lastHash: this.previousHash };
  }
}

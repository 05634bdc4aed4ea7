// Seals the personal fields of events (SPEC: name, email, phone, free-text
// descriptions and notes; the domain's PERSONAL_FIELDS) with the customer's key
// before they reach the log, and opens them on the way out. The log, its hash
// chain and the Kafka topic only ever hold the sealed form, so destroying the
// key erases the data everywhere at once while every hash still verifies.
//
// A sealed value is the string `pd1:<keyId>:<base64url(iv ‖ ciphertext ‖ tag)>`,
// AES-256-GCM over the JSON of the value, bound (as additional authenticated
// data) to the customer, the event and the field: a sealed value moved to
// another event or field does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { personalFieldsIn, type CustomerEventType } from '@rapport/domain';
import type { NewEvent, RecordedEvent } from '../event-store.port';
import type { KeyStore, KeyUse } from './key-store.port';

const PREFIX = 'pd1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = /^pd1:([0-9a-f-]{36}):([A-Za-z0-9_-]+)$/;

/** What an audit reader learns about an event's personal fields without opening them. */
export type PersonalDataStatus = 'sealed' | 'erased';

interface EventLike {
  readonly eventId: string;
  readonly type: CustomerEventType;
  readonly data: unknown;
}

export function isSealedValue(value: unknown): value is string {
  return typeof value === 'string' && SEALED.test(value);
}

/**
 * Initialisation vectors, drawn from the CSPRNG 1,024 at a time: one call per
 * 12-byte IV cost as much as the encryption itself. Each IV is handed out
 * once, from a buffer that is never refilled in place.
 */
const ivs = {
  pool: Buffer.alloc(0),
  at: 0,
  next(): Buffer {
    if (this.at + IV_BYTES > this.pool.length) {
      this.pool = randomBytes(IV_BYTES * 1024);
      this.at = 0;
    }
    this.at += IV_BYTES;
    return this.pool.subarray(this.at - IV_BYTES, this.at);
  },
};

export class PersonalDataVault {
  constructor(readonly keys: KeyStore) {}

  /**
   * The events with their personal fields sealed under the customer's live key
   * for `use` (asked only when there is something to seal).
   */
  async seal<T extends NewEvent>(customerId: string, events: readonly T[], use?: () => Promise<KeyUse>): Promise<T[]> {
    // Every personal value is sealed, even one that looks sealed already: a reader trusts only what the vault wrote.
    if (!events.some((e) => personalFieldsIn(e.type, e.data).length > 0)) return [...events];
    const { keyId, key } = await this.keys.activeKey(customerId, use ? await use() : undefined);
    return events.map((event) => {
      const fields = personalFieldsIn(event.type, event.data);
      if (fields.length === 0) return event;
      const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) };
      for (const name of fields) {
        const iv = ivs.next();
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(aad(customerId, event.eventId, name));
        const body = Buffer.concat([cipher.update(JSON.stringify(data[name]), 'utf8'), cipher.final(), cipher.getAuthTag()]);
        data[name] = `${PREFIX}${keyId}:${Buffer.concat([iv, body]).toString('base64url')}`;
      }
      return { ...event, data };
    });
  }

  /**
   * The events as readers see them: sealed fields opened, and removed where the
   * key is destroyed (erased). Values that were never sealed pass unchanged.
   */
  async open<T extends RecordedEvent>(events: readonly T[]): Promise<T[]> {
    const keys = await this.keysFor(events);
    if (keys === undefined) return [...events];
    return events.map((event) => {
      const fields = personalFieldsIn(event.type, event.data).filter((f) => isSealedValue(field(event, f)));
      if (fields.length === 0) return event;
      const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) };
      for (const name of fields) {
        const opened = openValue(data[name] as string, keys, aad(event.customerId, event.eventId, name));
        if (opened === undefined) delete data[name];
        else data[name] = opened.value;
      }
      return { ...event, data };
    });
  }

  /** Per event with sealed personal fields: whether they can still be opened. */
  async status(events: readonly RecordedEvent[]): Promise<Map<string, PersonalDataStatus>> {
    const statuses = new Map<string, PersonalDataStatus>();
    const keys = (await this.keysFor(events)) ?? new Map<string, Buffer>();
    for (const event of events) {
      const ids = sealedKeyIds(event);
      if (ids.length > 0) statuses.set(event.eventId, ids.every((id) => keys.has(id)) ? 'sealed' : 'erased');
    }
    return statuses;
  }

  /**
   * Destroys the customer's keys made up to the erasure at `revision` (every key
   * when omitted): every personal field they sealed now reads as erased.
   */
  erase(customerId: string, revision?: number): Promise<number> {
    return this.keys.destroyKeys(customerId, revision);
  }

  /** Whether the erasure at `revision` is still to finish: a key it must destroy is there. */
  erasurePending(customerId: string, revision: number): Promise<boolean> {
    return this.keys.holdsKeysThrough(customerId, revision);
  }

  private async keysFor(events: readonly RecordedEvent[]): Promise<Map<string, Buffer> | undefined> {
    const ids = events.flatMap(sealedKeyIds);
    return ids.length === 0 ? undefined : this.keys.findKeys(ids);
  }
}

function field(event: EventLike, name: string): unknown {
  return (event.data as Record<string, unknown>)[name];
}

function sealedKeyIds(event: EventLike): string[] {
  return personalFieldsIn(event.type, event.data)
    .map((name) => field(event, name))
    .filter(isSealedValue)
    .map((value) => SEALED.exec(value)![1]!);
}

function aad(customerId: string, eventId: string, fieldName: string): Buffer {
  return Buffer.from(`rapport/pd1\n${customerId}\n${eventId}\n${fieldName}`, 'utf8');
}

function openValue(sealed: string, keys: Map<string, Buffer>, additional: Buffer): { value: unknown } | undefined {
  const [, keyId, payload] = SEALED.exec(sealed)!;
  const key = keys.get(keyId!);
  if (!key) return undefined;
  const bytes = Buffer.from(payload!, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(additional);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    return { value: JSON.parse(plain.toString('utf8')) as unknown };
  } catch (error) {
    // Failing authentication means the value was altered or moved: tampering, not an erasure.
    throw new SealedValueError(`sealed value does not open with key ${keyId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

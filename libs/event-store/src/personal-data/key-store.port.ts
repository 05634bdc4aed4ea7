// Keys that seal customers' personal data in the log (right to be forgotten:
// destroying a customer's keys erases every copy of the data they sealed, in the
// log, its backups and the Kafka topic, without touching the hash chain).
// Adapters: SQLite (embedded, a file of its own) and MongoDB (distributed).

/** A 256-bit AES key and its id, which sealed values carry. */
export interface CustomerKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/**
 * Where a key is about to be used. Each key is made for the stream revision of
 * the first events it seals, so an erasure at revision R destroys exactly the
 * keys made for revisions up to R, and personal data recorded after it (under a
 * key made for a later revision) survives, however late the destruction runs.
 */
export interface KeyUse {
  /** The revision the events to seal land at; a key made now is made for it. */
  readonly revision: number;
  /**
   * The revision after the customer's latest erasure, -1 when never erased: a
   * key made for an earlier revision never seals again. (Keys from before keys
   * were made for a revision count as made for -1.)
   */
  readonly since: number;
}

export interface KeyStore {
  /**
   * A live key of the customer for `use` (default: revision 0, never erased):
   * the newest key made for a revision at or after `use.since`, else a new
   * one made for `use.revision`.
   */
  activeKey(customerId: string, use?: KeyUse): Promise<CustomerKey>;
  /** The live keys among these ids; a destroyed or unknown id is simply absent. */
  findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * Destroys the customer's keys made for revisions up to `throughRevision`
   * (every key when omitted), beyond recovery from this store; returns how many.
   */
  destroyKeys(customerId: string, throughRevision?: number): Promise<number>;
  /** Whether a key made for a revision up to `throughRevision` is still there: an erasure at that revision is unfinished. */
  holdsKeysThrough(customerId: string, throughRevision: number): Promise<boolean>;
  /** The log position up to which every erasure is finished (the erasure sweep's checkpoint); undefined before the first sweep. */
  sweptThrough(): Promise<number | undefined>;
  /** Moves the sweep's checkpoint forward (never back: sweeps of several processes may overlap). */
  markSweptThrough(position: number): Promise<void>;
  close(): Promise<void>;
}

export const KEY_BYTES = 32;

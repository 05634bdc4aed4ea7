// Keys that seal customers' personal data in the log (right to be forgotten:
// destroying a customer's keys erases every copy of the data they sealed, in the
// log, its backups and the Kafka topic, without touching the hash chain).
// Adapters: SQLite (embedded, a file of its own) and MongoDB (distributed).

/** A 256-bit AES key and its id, which sealed values carry. */
export interface CustomerKey {
  readonly keyId: string;
  readonly key: Buffer;
}

export interface KeyStore {
  /** A live key of the customer, created when there is none. */
  activeKey(customerId: string): Promise<CustomerKey>;
  /** The live keys among these ids; a destroyed or unknown id is simply absent. */
  findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>>;
  /** Destroys every key of the customer, beyond recovery from this store; returns how many. */
  destroyKeys(customerId: string): Promise<number>;
  close(): Promise<void>;
}

export const KEY_BYTES = 32;

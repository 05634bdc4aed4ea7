// Distributed key store: a MongoDB collection beside the read models. Several
// keys for one customer are harmless (two writers creating one at once): each
// sealed value names its key, and destruction removes them all.
import { randomBytes, randomUUID } from 'node:crypto';
import { Binary, MongoClient, type Collection } from 'mongodb';
import { KEY_BYTES, type CustomerKey, type KeyStore } from './key-store.port';

interface KeyDocument {
  _id: string;
  customerId: string;
  key: Binary;
  createdAt: Date;
}

export const KEY_COLLECTION = 'personal_data_keys';

export class MongoKeyStore implements KeyStore {
  private constructor(
    private readonly client: MongoClient | undefined,
    private readonly keys: Collection<KeyDocument>,
  ) {}

  /** Connects to the database named in the URL. */
  static async connect(url: string): Promise<MongoKeyStore> {
    const client = new MongoClient(url);
    await client.connect();
    try {
      return await MongoKeyStore.on(client.db().collection<KeyDocument>(KEY_COLLECTION), client);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Uses a collection of a client the caller owns (closed with it, not here) unless `owner` is given. */
  static async on(collection: Collection<KeyDocument>, owner?: MongoClient): Promise<MongoKeyStore> {
    await collection.createIndex({ customerId: 1 });
    return new MongoKeyStore(owner, collection);
  }

  async activeKey(customerId: string): Promise<CustomerKey> {
    const existing = await this.keys.find({ customerId: String(customerId) }).sort({ createdAt: -1, _id: 1 }).limit(1).toArray();
    const found = existing[0];
    if (found) return { keyId: found._id, key: Buffer.from(found.key.buffer) };
    const created = { keyId: randomUUID(), key: randomBytes(KEY_BYTES) };
    await this.keys.insertOne({ _id: created.keyId, customerId: String(customerId), key: new Binary(created.key), createdAt: new Date() });
    return created;
  }

  async findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const unique = [...new Set(keyIds.map(String))];
    if (unique.length === 0) return found;
    for (const doc of await this.keys.find({ _id: { $in: unique } }).toArray()) found.set(doc._id, Buffer.from(doc.key.buffer));
    return found;
  }

  async destroyKeys(customerId: string): Promise<number> {
    const { deletedCount } = await this.keys.deleteMany({ customerId: String(customerId) });
    return deletedCount;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

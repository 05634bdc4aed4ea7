// Distributed key store: a MongoDB collection beside the read models. Several
// keys for one customer are harmless (two writers creating one at once): each
// sealed value names its key, and an erasure removes every one made up to it.
import { randomBytes, randomUUID } from 'node:crypto';
import { Binary, MongoClient, type Collection, type WithId } from 'mongodb';
import { KEY_BYTES, type CustomerKey, type KeyStore, type KeyUse } from '@rapport/event-store';
import { MONGO_CLIENT_TIMEOUTS, reportingUnreachable } from '@rapport/config';

/** Keys asked for at once beyond which one `$in` query beats point look-ups side by side. */
const POINT_LOOKUPS = 32;

interface KeyDocument {
  _id: string;
  customerId: string;
  key: Binary;
  createdAt: Date;
  /** The stream revision the key was made for (KeyUse); -1 for keys from before there was one. */
  fromRevision: number;
}

interface SweepDocument {
  _id: 'erasure-sweep';
  position: number;
}

export const KEY_COLLECTION = 'personal_data_keys';
/** The erasure sweep's checkpoint, beside the keys. */
export const ERASURE_SWEEP_COLLECTION = 'personal_data_erasure_sweep';

export class MongoKeyStore implements KeyStore {
  private constructor(
    private readonly client: MongoClient | undefined,
    private readonly keys: Collection<KeyDocument>,
    private readonly sweep: Collection<SweepDocument>,
  ) {}

  /** Connects to the database named in the URL. */
  static async connect(url: string): Promise<MongoKeyStore> {
    const client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS });
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
    await collection.createIndex({ customerId: 1, fromRevision: 1 });
    // Keys from before keys were made for a revision count as made before any erasure.
    await collection.updateMany({ fromRevision: { $exists: false } }, { $set: { fromRevision: -1 } });
    return reportingUnreachable('MongoDB', new MongoKeyStore(owner, collection, collection.db.collection<SweepDocument>(ERASURE_SWEEP_COLLECTION)));
  }

  async activeKey(customerId: string, use: KeyUse = { revision: 0, since: -1 }): Promise<CustomerKey> {
    const existing = await this.keys
      .find({ customerId: String(customerId), fromRevision: { $gte: Number(use.since) } })
      .sort({ fromRevision: -1, createdAt: -1, _id: 1 })
      .limit(1)
      .toArray();
    const found = existing[0];
    if (found) return { keyId: found._id, key: Buffer.from(found.key.buffer) };
    const created = { keyId: randomUUID(), key: randomBytes(KEY_BYTES) };
    await this.keys.insertOne({
      _id: created.keyId,
      customerId: String(customerId),
      key: new Binary(created.key),
      createdAt: new Date(),
      fromRevision: Math.max(Number(use.revision), Number(use.since)),
    });
    return created;
  }

  async findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const unique = [...new Set(keyIds.map(String))];
    if (unique.length === 0) return found;
    // A stream holds a few keys: FerretDB 1.24 answers `_id` equality from its index (about 8 ms at 10,000 keys)
    // but `$in` by reading the whole collection (about 550 ms), so a few are asked one by one, side by side.
    const docs =
      unique.length <= POINT_LOOKUPS
        ? (await Promise.all(unique.map((id) => this.keys.findOne({ _id: id })))).filter((doc): doc is WithId<KeyDocument> => doc !== null)
        : await this.keys.find({ _id: { $in: unique } }).toArray();
    for (const doc of docs) found.set(doc._id, Buffer.from(doc.key.buffer));
    return found;
  }

  async destroyKeys(customerId: string, throughRevision = Number.MAX_SAFE_INTEGER): Promise<number> {
    const { deletedCount } = await this.keys.deleteMany({ customerId: String(customerId), fromRevision: { $lte: Number(throughRevision) } });
    return deletedCount;
  }

  async holdsKeysThrough(customerId: string, throughRevision: number): Promise<boolean> {
    return (await this.keys.findOne({ customerId: String(customerId), fromRevision: { $lte: Number(throughRevision) } }, { projection: { _id: 1 } })) !== null;
  }

  async sweptThrough(): Promise<number | undefined> {
    return (await this.sweep.findOne({ _id: 'erasure-sweep' }))?.position;
  }

  async markSweptThrough(position: number): Promise<void> {
    await this.sweep.updateOne({ _id: 'erasure-sweep' }, { $max: { position: Number(position) } }, { upsert: true });
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

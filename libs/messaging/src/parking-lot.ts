// Parked customers: once one event of a customer cannot be applied, that
// customer's later events wait in the dead-letter topic instead of overtaking
// it. The set of parked customers is durable (a MongoDB collection beside the
// read models), so a restarted projector keeps holding them back until
// `replay-dlq` has applied their dead letters and unparked them.
//
// Each park bumps `version`. A replay unparks only the version it has read
// before scanning the dead-letter topic, so an event dead-lettered while the
// replay ran (version moved) is never dropped: the unpark fails and the replay
// scans again.
import { MongoClient, type Collection } from 'mongodb';
import type { DeadLetterKind } from './dead-letter';

export interface ParkedCustomer {
  readonly customerId: string;
  /** Bumped by every park; unpark names the version it saw. */
  readonly version: number;
  /** Why the customer was first parked. */
  readonly kind: DeadLetterKind;
  readonly reason: string;
  /** Revision of the first event that could not be applied, when it could be read. */
  readonly sinceRevision: number | null;
  readonly parkedAt: string;
  /** Messages of this customer sent to the dead-letter topic while parked. */
  readonly deadLettered: number;
}

export interface ParkRequest {
  readonly kind: DeadLetterKind;
  readonly reason: string;
  readonly revision?: number;
  /** How many messages this park sent to the dead-letter topic. */
  readonly deadLettered: number;
}

export interface ParkingLot {
  /** Which of these customers are parked now. */
  parkedAmong(customerIds: readonly string[]): Promise<Set<string>>;
  /** Parks the customer (or records more dead letters for a parked one). Idempotent apart from the counters. */
  park(customerId: string, request: ParkRequest): Promise<void>;
  get(customerId: string): Promise<ParkedCustomer | undefined>;
  list(): Promise<ParkedCustomer[]>;
  /** Unparks if the customer is still at `version`; false when it was parked again meanwhile. */
  unpark(customerId: string, version: number): Promise<boolean>;
  close(): Promise<void>;
}

interface ParkedRow {
  _id: string;
  version: number;
  kind: DeadLetterKind;
  reason: string;
  sinceRevision: number | null;
  parkedAt: string;
  deadLettered: number;
}

export const PARKED_COLLECTION = 'projector_parked';

export class MongoParkingLot implements ParkingLot {
  private constructor(
    private readonly client: MongoClient,
    private readonly rows: Collection<ParkedRow>,
  ) {}

  /** `url` names the database, as for MongoReadStore: the parked set lives beside the read models. */
  static async connect(url: string, options: { database?: string; collection?: string } = {}): Promise<MongoParkingLot> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    return new MongoParkingLot(client, client.db(options.database).collection<ParkedRow>(options.collection ?? PARKED_COLLECTION));
  }

  async parkedAmong(customerIds: readonly string[]): Promise<Set<string>> {
    if (customerIds.length === 0) return new Set();
    const ids = [...new Set(customerIds.map(String))];
    const rows = await this.rows.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    return new Set(rows.map((r) => r._id));
  }

  async park(customerId: string, request: ParkRequest): Promise<void> {
    await this.rows.updateOne(
      { _id: String(customerId) },
      {
        $inc: { version: 1, deadLettered: request.deadLettered },
        $setOnInsert: {
          kind: request.kind,
          reason: request.reason,
          sinceRevision: request.revision ?? null,
          parkedAt: new Date().toISOString(),
        },
      },
      { upsert: true },
    );
  }

  async get(customerId: string): Promise<ParkedCustomer | undefined> {
    const row = await this.rows.findOne({ _id: String(customerId) });
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<ParkedCustomer[]> {
    return (await this.rows.find({}).sort({ _id: 1 }).toArray()).map(fromRow);
  }

  async unpark(customerId: string, version: number): Promise<boolean> {
    const result = await this.rows.deleteOne({ _id: String(customerId), version });
    return result.deletedCount === 1;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** For unit tests and single-process experiments. */
export class InMemoryParkingLot implements ParkingLot {
  private readonly rows = new Map<string, ParkedCustomer>();

  async parkedAmong(customerIds: readonly string[]): Promise<Set<string>> {
    return new Set(customerIds.filter((id) => this.rows.has(id)));
  }

  async park(customerId: string, request: ParkRequest): Promise<void> {
    const row = this.rows.get(customerId);
    this.rows.set(
      customerId,
      row
        ? { ...row, version: row.version + 1, deadLettered: row.deadLettered + request.deadLettered }
        : {
            customerId,
            version: 1,
            kind: request.kind,
            reason: request.reason,
            sinceRevision: request.revision ?? null,
            parkedAt: new Date().toISOString(),
            deadLettered: request.deadLettered,
          },
    );
  }

  async get(customerId: string): Promise<ParkedCustomer | undefined> {
    return this.rows.get(customerId);
  }

  async list(): Promise<ParkedCustomer[]> {
    return [...this.rows.values()].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
  }

  async unpark(customerId: string, version: number): Promise<boolean> {
    if (this.rows.get(customerId)?.version !== version) return false;
    this.rows.delete(customerId);
    return true;
  }

  async close(): Promise<void> {}
}

function fromRow(row: ParkedRow): ParkedCustomer {
  return {
    customerId: row._id,
    version: row.version,
    kind: row.kind,
    reason: row.reason,
    sinceRevision: row.sinceRevision,
    parkedAt: row.parkedAt,
    deadLettered: row.deadLettered,
  };
}

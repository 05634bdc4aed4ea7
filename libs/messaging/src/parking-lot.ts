// Parked customers: once one event of a customer cannot be applied, that
// customer's later events wait in the dead-letter topic instead of overtaking
// it. The set of parked customers is durable (a MongoDB collection beside the
// read models), so a restarted projector keeps holding them back until
// `replay-dlq` has applied their dead letters and unparked them.
//
// Each park bumps `version`. A replay unparks only the version it has read
// before scanning the dead-letter topic, so an event dead-lettered while the
// replay ran (version moved) is never dropped: the unpark fails and the replay
// scans again. Versions are never reused, so a version read before an unpark
// cannot release a later park either.
import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import type { DeadLetterKind } from './dead-letter';
import { MONGO_CLIENT_TIMEOUTS } from '@rapport/config';

export interface ParkedCustomer {
  readonly customerId: string;
  /** Bumped by every park, never reused for the customer (not even after an unpark); unpark names the version it saw. */
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
  /** Unparks if the customer is still at `version`; false when it was parked again meanwhile, or is not parked. */
  unpark(customerId: string, version: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One row per park and per unpark of a customer, never changed once written.
 * `_id` is customer and version, so of writers that read the same latest row
 * only one can insert the next: a unique insert is the one write FerretDB 1.24
 * makes atomic (it loses concurrent updates of one document, even guarded ones;
 * docs/distributed.md, "FerretDB"). The customer's latest row is its state;
 * a parked customer keeps one row per park until an unpark clears them away.
 */
type ParkRow = ParkedRow | ReleasedRow;

interface RowKey {
  _id: string;
  customerId: string;
  version: number;
}

interface ParkedRow extends RowKey {
  parked: true;
  kind: DeadLetterKind;
  reason: string;
  // Absent where FerretDB dropped a null.
  sinceRevision?: number | null;
  parkedAt: string;
  deadLettered: number;
}

/** Written by an unpark: the rows below it are gone, and the next park starts afresh above it. */
interface ReleasedRow extends RowKey {
  parked: false;
}

/** A row as versions before the per-version rows wrote it: one mutable row per parked customer. */
interface LegacyRow {
  _id: string;
  customerId?: undefined;
  version: number;
  kind: DeadLetterKind;
  reason: string;
  sinceRevision?: number | null;
  parkedAt: string;
  deadLettered: number;
}

export const PARKED_COLLECTION = 'projector_parked';
const DUPLICATE_KEY = 11000;
/** Attempts at the next version before a park gives up; only writers to one customer compete. */
const MAX_ATTEMPTS = 100;

export class MongoParkingLot implements ParkingLot {
  private constructor(
    private readonly client: MongoClient,
    private readonly rows: Collection<ParkRow>,
  ) {}

  /** `url` names the database, as for the MongoDB read models: the parked set lives beside them. */
  static async connect(url: string, options: { database?: string; collection?: string } = {}): Promise<MongoParkingLot> {
    const client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS });
    await client.connect();
    try {
      const lot = new MongoParkingLot(client, client.db(options.database).collection<ParkRow>(options.collection ?? PARKED_COLLECTION));
      await lot.rows.createIndex({ customerId: 1, version: -1 });
      await lot.migrateLegacyRows();
      return lot;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async parkedAmong(customerIds: readonly string[]): Promise<Set<string>> {
    if (customerIds.length === 0) return new Set();
    const ids = [...new Set(customerIds.map(String))];
    const rows = await this.rows.find({ customerId: { $in: ids } }, { projection: { customerId: 1, version: 1, parked: 1 } }).toArray();
    return new Set([...latestPerCustomer(rows).values()].filter((row) => row.parked).map((row) => row.customerId));
  }

  async park(customerId: string, request: ParkRequest): Promise<void> {
    const id = String(customerId);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const latest = await this.latest(id);
      const version = (latest?.version ?? 0) + 1;
      const key = { _id: rowId(id, version), customerId: id, version };
      const row: ParkedRow = latest?.parked
        ? { ...latest, ...key, deadLettered: latest.deadLettered + request.deadLettered }
        : {
            ...key,
            parked: true,
            kind: request.kind,
            reason: request.reason,
            sinceRevision: request.revision ?? null,
            parkedAt: new Date().toISOString(),
            deadLettered: request.deadLettered,
          };
      if (!(await this.insert(row))) continue;
      // An unpark above this version means the version was free only because that unpark cleared it
      // away after this park read the latest row: park again on top. (Should the unpark have come
      // after this insert, parking again holds the customer back once more; it never loses the park.)
      if ((await this.rows.countDocuments({ customerId: id, parked: false, version: { $gt: version } }, { limit: 1 })) === 0) return;
    }
    throw new Error(`could not park customer ${id}: ${MAX_ATTEMPTS} other writes took the next version first`);
  }

  async get(customerId: string): Promise<ParkedCustomer | undefined> {
    const latest = await this.latest(String(customerId));
    return latest?.parked ? fromRow(latest) : undefined;
  }

  async list(): Promise<ParkedCustomer[]> {
    const latest = latestPerCustomer(await this.rows.find({ customerId: { $exists: true } }).toArray());
    return [...latest.values()]
      .flatMap((row) => (row.parked ? [fromRow(row)] : []))
      .sort((a, b) => compareIds(a.customerId, b.customerId));
  }

  async unpark(customerId: string, version: number): Promise<boolean> {
    const id = String(customerId);
    const latest = await this.latest(id);
    if (!latest?.parked || latest.version !== version) return false;
    // Parked again meanwhile: the park took the next version first.
    if (!(await this.insert({ _id: rowId(id, version + 1), customerId: id, version: version + 1, parked: false }))) return false;
    await this.rows.deleteMany({ customerId: id, version: { $lte: version } });
    return true;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async latest(customerId: string): Promise<ParkRow | undefined> {
    return (await this.rows.find({ customerId }).sort({ version: -1 }).limit(1).next()) ?? undefined;
  }

  /** False when the row's version is taken. */
  private async insert(row: ParkRow): Promise<boolean> {
    try {
      await this.rows.insertOne(row);
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /** Rewrites rows of earlier versions (`_id` the customer, updated in place) as the row of their version. */
  private async migrateLegacyRows(): Promise<void> {
    const legacy = this.rows as unknown as Collection<LegacyRow>;
    for (const { _id, ...row } of await legacy.find({ customerId: { $exists: false } }).toArray()) {
      await this.insert({ ...row, _id: rowId(_id, row.version), customerId: _id, parked: true });
      await legacy.deleteOne({ _id });
    }
  }
}

/** For unit tests and single-process experiments. */
export class InMemoryParkingLot implements ParkingLot {
  private readonly rows = new Map<string, ParkedCustomer>();
  /** The version of each customer's last unpark, so a later park never reuses a version. */
  private readonly released = new Map<string, number>();

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
            version: (this.released.get(customerId) ?? 0) + 1,
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
    return [...this.rows.values()].sort((a, b) => compareIds(a.customerId, b.customerId));
  }

  async unpark(customerId: string, version: number): Promise<boolean> {
    if (this.rows.get(customerId)?.version !== version) return false;
    this.rows.delete(customerId);
    // As in MongoParkingLot, the unpark itself takes the next version.
    this.released.set(customerId, version + 1);
    return true;
  }

  async close(): Promise<void> {}
}

function rowId(customerId: string, version: number): string {
  return `${customerId}#${version}`;
}

function latestPerCustomer<T extends Pick<RowKey, 'customerId' | 'version'>>(rows: readonly T[]): Map<string, T> {
  const latest = new Map<string, T>();
  for (const row of rows) {
    const seen = latest.get(row.customerId);
    if (!seen || row.version > seen.version) latest.set(row.customerId, row);
  }
  return latest;
}

/** A plain string compare: for customer ids (ASCII) the order MongoDB sorts them in. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fromRow(row: ParkedRow): ParkedCustomer {
  return {
    customerId: row.customerId,
    version: row.version,
    kind: row.kind,
    reason: row.reason,
    // FerretDB 1.24 drops a null it is given to store, so rows it wrote lack the field.
    sinceRevision: row.sinceRevision ?? null,
    parkedAt: row.parkedAt,
    deadLettered: row.deadLettered,
  };
}

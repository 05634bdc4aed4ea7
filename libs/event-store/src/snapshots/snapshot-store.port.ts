// Snapshots of a stream's folded state, kept beside the log so that a stream
// years long is not replayed from its first event on every cold load. A
// snapshot is a cache: the log stays the truth, any snapshot can be dropped,
// and one taken under another version of the fold (`schema`) is never used.

/** A stream's state folded through `revision`, as JSON, and the hash of the event at that revision. */
export interface StreamSnapshot {
  /** The revision of the last event folded into `state`. */
  readonly revision: number;
  /** The hash the log holds for that event: a snapshot of another log's stream of the same name does not match it. */
  readonly eventHash: string;
  /** The folded state, as JSON-compatible data (the caller encodes and decodes it). */
  readonly state: unknown;
}

export interface SnapshotStore {
  /** The snapshot of the stream with the highest revision taken under `schema`, if any. */
  latest(streamId: string, schema: string): Promise<StreamSnapshot | undefined>;
  /** The latest snapshot under `schema` of each of these streams that has one. */
  latestOf(streamIds: readonly string[], schema: string): Promise<Map<string, StreamSnapshot>>;
  /** Keeps the snapshot; one at a revision no higher than the stored one changes nothing. */
  save(streamId: string, schema: string, snapshot: StreamSnapshot): Promise<void>;
  close(): Promise<void>;
}

/** Snapshots in memory: for tests, and for a process that needs none to outlive it. */
export class InMemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, Map<string, string>>();

  async latest(streamId: string, schema: string): Promise<StreamSnapshot | undefined> {
    const json = this.snapshots.get(streamId)?.get(schema);
    return json === undefined ? undefined : (JSON.parse(json) as StreamSnapshot);
  }

  async latestOf(streamIds: readonly string[], schema: string): Promise<Map<string, StreamSnapshot>> {
    const found = new Map<string, StreamSnapshot>();
    for (const id of streamIds) {
      const snapshot = await this.latest(id, schema);
      if (snapshot) found.set(id, snapshot);
    }
    return found;
  }

  async save(streamId: string, schema: string, snapshot: StreamSnapshot): Promise<void> {
    assertSnapshot(snapshot);
    const bySchema = this.snapshots.get(streamId) ?? new Map<string, string>();
    const stored = bySchema.get(schema);
    if (stored !== undefined && (JSON.parse(stored) as StreamSnapshot).revision >= snapshot.revision) return;
    // Stored as text, as a durable adapter would: no caller can change it afterwards.
    bySchema.set(schema, JSON.stringify(snapshot));
    this.snapshots.set(streamId, bySchema);
  }

  async close(): Promise<void> {
    this.snapshots.clear();
  }
}

/** Refuses a snapshot no adapter could give back as it was given. */
export function assertSnapshot(snapshot: StreamSnapshot): void {
  if (!Number.isSafeInteger(snapshot.revision) || snapshot.revision < 0) throw new RangeError(`a snapshot's revision must be a non-negative integer; got ${snapshot.revision}`);
  if (typeof snapshot.eventHash !== 'string' || snapshot.eventHash.length === 0) throw new TypeError("a snapshot needs the hash of the event it was folded through");
  if (snapshot.state === undefined) throw new TypeError('a snapshot needs a state');
}

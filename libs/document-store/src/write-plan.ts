// A batch checked before anything is written: every put's document derived
// into its row, every id and revision checked, every collection one the store
// serves. Adapters without transactions then refuse a bad batch whole instead
// of half-way through.
import type { CollectionRegistry, ResolvedCollection } from './collection';
import { isRevision, toRow, type DocumentRow } from './document-row';
import { InvalidDocumentError, type Checkpoint, type JsonDocument, type StoredDocument, type WriteBatch } from './document-store.port';
import { planConditions, plainId, type PlannedCondition } from './query-plan';

export type PlannedWrite =
  | { readonly type: 'put' | 'insert'; readonly collection: ResolvedCollection; readonly row: DocumentRow; readonly stored?: boolean }
  | { readonly type: 'delete'; readonly collection: ResolvedCollection; readonly id: string; readonly revision: number }
  | {
      readonly type: 'update';
      readonly collection: ResolvedCollection;
      readonly conditions: readonly PlannedCondition[];
      readonly apply: (document: JsonDocument) => StoredDocument | undefined;
    };

export interface WritePlan {
  readonly writes: readonly PlannedWrite[];
  readonly checkpoints: readonly Checkpoint[];
  /** Distinct version names, each moved once. */
  readonly versions: readonly string[];
  readonly erasesPersonalData: boolean;
}

export function planWrites(registry: CollectionRegistry, batch: WriteBatch): WritePlan {
  if (typeof batch !== 'object' || batch === null) throw new TypeError('a batch must be an object');
  if (!Array.isArray(batch.writes)) throw new TypeError('writes must be a list');
  if (!Array.isArray(batch.checkpoints)) throw new TypeError('checkpoints must be a list');
  const writes = batch.writes.map((write): PlannedWrite => {
    const collection = registry.resolve(write?.collection);
    switch (write.type) {
      case 'put':
        return { type: 'put', collection, row: toRow(collection, write.document), ...(typeof write.stored === 'boolean' ? { stored: write.stored } : {}) };
      case 'insert':
        return { type: 'insert', collection, row: toRow(collection, write.document) };
      case 'delete':
        if (!isRevision(write.revision)) throw new InvalidDocumentError(`${collection.name}: a delete's revision must be an integer from 0 to 2^53 - 1`);
        return { type: 'delete', collection, id: plainId(write.id), revision: write.revision };
      case 'update':
        if (typeof write.apply !== 'function') throw new TypeError('an update needs an apply function');
        return { type: 'update', collection, conditions: planConditions(collection, write.where), apply: (document) => write.apply(document) };
      default:
        throw new TypeError(`unknown write type ${JSON.stringify((write as { type?: unknown }).type)}`);
    }
  });
  const checkpoints = batch.checkpoints.map((checkpoint: Checkpoint) => ({
    name: checkpointName(checkpoint?.name),
    position: checkpointPosition(checkpoint?.position),
  }));
  if (batch.versions !== undefined && !Array.isArray(batch.versions)) throw new TypeError('versions must be a list');
  const versions = [...new Set((batch.versions ?? []).map(versionName))];
  return { writes, checkpoints, versions, erasesPersonalData: batch.erasesPersonalData === true };
}

/** The row `apply` makes of a stored document, or undefined to leave it; `_id` may not change. */
export function updatedRow(
  collection: ResolvedCollection,
  apply: (document: JsonDocument) => StoredDocument | undefined,
  document: JsonDocument,
): DocumentRow | undefined {
  const updated = apply(document);
  if (updated === undefined) return undefined;
  const row = toRow(collection, updated);
  if (row.id !== document._id) throw new InvalidDocumentError(`${collection.name}: an update changed _id ${document._id} to ${row.id}`);
  return row;
}

export function checkpointName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a checkpoint name must be a non-empty string');
  return name;
}

export function versionName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a version name must be a non-empty string');
  return name;
}

function checkpointPosition(position: unknown): number {
  if (!isRevision(position)) throw new TypeError('a checkpoint position must be an integer from 0 to 2^53 - 1');
  return position;
}

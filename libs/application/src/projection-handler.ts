// Applies a batch of recorded events to declared projections and commits the
// documents in one batch, optionally with a checkpoint. It knows no read model
// by name: the list (READ_MODELS by default) says what to build. Used alone by
// the Kafka projector, and behind a LogSubscription in embedded mode.
import {
  DuplicateKeyError,
  InvalidDocumentError,
  InvalidQueryError,
  type Checkpoint,
  type DocumentStore,
  type JsonDocument,
  type Projection,
  type StreamDocumentProjection,
  type Write,
} from '@rapport/document-store';
import type { RecordedCustomerEvent } from '@rapport/domain';
import type { RecordedEvent } from '@rapport/event-store';
import { READ_MODELS } from '@rapport/projections';
import { toCustomerEvent } from './recorded-event.mapper';

export interface BatchResult {
  readonly events: number;
  /** Events that changed a per-stream document (or reached only event projections): the rest were already reflected. */
  readonly applied: number;
  /** Log position of the batch's last event, or -1 for an empty batch. */
  readonly position: number;
}

export type CustomerProjection = Projection<RecordedCustomerEvent>;

/**
 * The projections (not the store) could not apply the events: an upcaster or
 * evolve threw. Retrying the same input fails the same way; any other error
 * from `handle` is the store's, and the same call may be retried.
 */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** An update whose apply (projection code the store runs inside its commit) marks what it throws as the events' fault. */
function pureUpdate(write: Write): Write {
  if (write.type !== 'update') return write;
  return { ...write, apply: (document) => pure(() => write.apply(document)) };
}

/** Runs pure projection code, marking what it throws as the events' fault. */
function pure<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new ProjectionError(error);
  }
}

export class ProjectionHandler {
  private readonly streamDocuments: StreamDocumentProjection<RecordedCustomerEvent, JsonDocument>[];
  private readonly eventProjections: Extract<CustomerProjection, { kind: 'event' }>[];
  /** Event types some per-stream document handles: only those can tell an event already reflected. */
  private readonly documentTypes: ReadonlySet<string>;

  constructor(
    private readonly store: DocumentStore,
    readonly projections: readonly CustomerProjection[] = READ_MODELS,
  ) {
    const names = new Set<string>();
    for (const projection of projections) {
      if (names.has(projection.name)) throw new Error(`two projections are named ${projection.name}`);
      names.add(projection.name);
    }
    this.streamDocuments = projections.filter((p) => p.kind === 'stream-document');
    this.eventProjections = projections.filter((p) => p.kind === 'event');
    this.documentTypes = new Set(this.streamDocuments.flatMap((p) => p.handles));
  }

  /**
   * Applies the events (each stream's in revision order) and commits what they
   * change, with `checkpoint` at the last event's position when given. Events
   * a document already reflects change nothing, so redelivery and replay are harmless.
   */
  async handle(events: readonly RecordedEvent[], checkpoint?: string): Promise<BatchResult> {
    if (events.length === 0) return { events: 0, applied: 0, position: -1 };
    const decoded = pure(() => events.map(toCustomerEvent));
    const writes: Write[] = [];
    const versions = new Set<string>();
    const applied = new Set<number>();
    let erases = false;
    /** The projection took the event: the versions and erasure it declares for that type apply to the batch. */
    const took = (projection: CustomerProjection, event: RecordedCustomerEvent) => {
      for (const [version, types] of Object.entries(projection.versions ?? {})) if (types.includes(event.type)) versions.add(version);
      if (projection.erases?.includes(event.type)) erases = true;
    };

    for (const projection of this.eventProjections) {
      const handles = new Set<string>(projection.handles);
      decoded.forEach((event, index) => {
        if (!handles.has(event.type)) return;
        writes.push(...pure(() => projection.project(event)).map(pureUpdate));
        took(projection, event);
        // Nothing says whether an event projection saw the event before: it counts as applied only where no document does.
        if (!this.documentTypes.has(event.type)) applied.add(index);
      });
    }
    for (const projection of this.streamDocuments) {
      const handles = new Set<string>(projection.handles);
      const ids = pure(() => decoded.filter((e) => handles.has(e.type)).map((e) => projection.documentId(e)));
      if (ids.length === 0) continue;
      const stored = await this.store.getMany(projection.collection, ids);
      const changed = new Map<string, JsonDocument>();
      pure(() =>
        decoded.forEach((event, index) => {
          if (!handles.has(event.type)) return;
          const id = projection.documentId(event);
          const document = changed.get(id) ?? stored.get(id);
          // Even for an event the document reflects: a commit that wrote the documents
          // but crashed before its versions moved is repaired by this redelivery.
          took(projection, event);
          // evolve is not idempotent: an event the document reflects is skipped.
          if (document !== undefined && event.revision <= document.revision) return;
          changed.set(id, projection.evolve(document, event));
          applied.add(index);
        }),
      );
      for (const document of changed.values()) writes.push({ type: 'put', collection: projection.collection, document });
    }

    const position = events[events.length - 1]!.position;
    try {
      await this.store.commit({
        writes,
        checkpoints: checkpoint === undefined ? [] : [{ name: checkpoint, position } satisfies Checkpoint],
        ...(versions.size > 0 ? { versions: [...versions] } : {}),
        ...(erases ? { erasesPersonalData: true } : {}),
      });
    } catch (error) {
      // A document the store refuses (no id, not JSON, a unique key taken) is the projections' doing: retrying fails alike.
      if (error instanceof InvalidDocumentError || error instanceof InvalidQueryError || error instanceof DuplicateKeyError) throw new ProjectionError(error);
      throw error;
    }
    return { events: events.length, applied: applied.size, position };
  }

  /** Drops every read model and checkpoint, for a rebuild from the whole log. */
  reset(): Promise<void> {
    return this.store.reset();
  }
}

// The projector applies events through the very code path of embedded mode:
// ProjectionHandler (declared projections, per-document revision guards),
// without a checkpoint of its own in MongoDB (its Kafka offsets are that).
// Caches over the read models are keyed by versions the document store moves
// with each commit (a fresh token per move), so projectors committing at once
// need no sequencing.
import { ProjectionError, ProjectionHandler } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import { SealedValueError, type PersonalDataVault, type RecordedEvent } from '@rapport/event-store';
import { ProjectionFailure, type ProjectionSink } from '@rapport/messaging';

export class RunnerSink implements ProjectionSink {
  private readonly handler: ProjectionHandler;

  constructor(
    documentStore: DocumentStore,
    /** Opens the sealed personal fields the topic carries; erased ones stay out of the read models. */
    private readonly vault: PersonalDataVault,
  ) {
    this.handler = new ProjectionHandler(documentStore);
  }

  /**
   * A bad event (a value that does not open, a projection that throws) is a
   * ProjectionFailure, which dead-letters it; any other error is a store's
   * (read models, key store) and the chunk is retried.
   */
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.handler.handle(await this.vault.open(events));
    } catch (error) {
      if (error instanceof ProjectionError) throw new ProjectionFailure('projection failed', { cause: error.cause });
      if (error instanceof SealedValueError) throw new ProjectionFailure('projection failed', { cause: error });
      throw error;
    }
  }
}

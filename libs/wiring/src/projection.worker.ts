// A worker thread that keeps the embedded read models (see ProjectionWorker):
// it follows the log on connections of its own, applies each batch to the
// declared projections and commits the documents with the checkpoint, so the
// API's event loop keeps its core for requests. It tells the thread that
// started it how far it got, what it logs, and which traced events it
// projected when, for that thread's spans.
import { parentPort, workerData } from 'node:worker_threads';
import { LogSubscription, ProjectionHandler, type ProjectedEvent, type SubscriptionStatus } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { embeddedPaths } from './embedded-stores';
import { heapOfThisThread, type ThreadHeap } from './worker-thread';

export interface ProjectionWorkerData {
  readonly dataDir: string;
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  /** How often the thread looks for appends it was not told of (another process's); default the log's 250 ms. */
  readonly pollIntervalMs?: number;
  /** The starting thread traces: report the batches that hold traced events. */
  readonly traced: boolean;
}

/** A status as it crosses threads: dates as epoch ms. */
export interface StatusMessage {
  readonly running: boolean;
  readonly position: number;
  readonly lastAdvancedAt: number | null;
  readonly lastError: { readonly message: string; readonly at: number; readonly failures: number } | null;
}

export type ToWorker = { readonly type: 'appended' } | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'status'; readonly status: StatusMessage; readonly heap: ThreadHeap }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly msg: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'traced'; readonly events: readonly ProjectedEvent[]; readonly batchSize: number; readonly startedAt: number; readonly endedAt: number; readonly error?: string }
  | { readonly type: 'stopped' };

export function statusMessage(status: SubscriptionStatus): StatusMessage {
  return {
    running: status.running,
    position: status.position,
    lastAdvancedAt: status.lastAdvancedAt?.getTime() ?? null,
    lastError: status.lastError ? { ...status.lastError, at: status.lastError.at.getTime() } : null,
  };
}

async function main(port: NonNullable<typeof parentPort>, data: ProjectionWorkerData): Promise<void> {
  const post = (message: FromWorker) => port.postMessage(message);
  const paths = embeddedPaths(data);
  const log = SqliteEventStore.open(paths.log, data.pollIntervalMs === undefined ? {} : { pollIntervalMs: data.pollIntervalMs });
  const keys = SqliteKeyStore.open(paths.keys);
  const documents = SqliteDocumentStore.open(paths.readModels, collectionsOf(READ_MODELS));
  const subscription = new LogSubscription(new SealingEventStore(log, new PersonalDataVault(keys)), new ProjectionHandler(documents), documents, {
    ...(data.batchSize === undefined ? {} : { batchSize: data.batchSize }),
    ...(data.retryDelayMs === undefined ? {} : { retryDelayMs: data.retryDelayMs }),
    logger: {
      info: (msg, fields) => post({ type: 'log', level: 'info', msg, ...(fields ? { fields } : {}) }),
      warn: (msg, fields) => post({ type: 'log', level: 'warn', msg, ...(fields ? { fields } : {}) }),
      error: (msg, fields) => post({ type: 'log', level: 'error', msg, ...(fields ? { fields } : {}) }),
    },
    onStatus: (status) => post({ type: 'status', status: statusMessage(status), heap: heapOfThisThread('projection') }),
    ...(data.traced ? { onBatch: (batch, startedAt, endedAt, error) => reportTraced(post, batch, startedAt, endedAt, error) } : {}),
  });
  let stopping: Promise<void> | undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'appended') log.notifyAppended();
    else if (message.type === 'stop') {
      // Stops after the batch in hand commits, so the checkpoint matches the documents.
      stopping ??= subscription
        .stop()
        .then(() => Promise.allSettled([log.close(), keys.close(), documents.close()]))
        .then(() => {
          post({ type: 'status', status: statusMessage(subscription.status), heap: heapOfThisThread('projection') });
          post({ type: 'stopped' });
          port.close();
        });
    }
  });
  await subscription.start();
  post({ type: 'status', status: statusMessage(subscription.status), heap: heapOfThisThread('projection') });
}

/** The batch's events that carry a trace context, and when the batch ran: the starting thread makes their spans. */
function reportTraced(post: (message: FromWorker) => void, batch: readonly ProjectedEvent[], startedAt: number, endedAt: number, error: unknown): void {
  const events = batch
    .filter((event) => typeof event.metadata.traceparent === 'string')
    .map(({ customerId, eventId, type, revision, position, metadata }) => ({
      customerId,
      eventId,
      type,
      revision,
      position,
      metadata: { traceparent: metadata.traceparent, ...(metadata.tracestate === undefined ? {} : { tracestate: metadata.tracestate }) },
    }));
  if (events.length === 0) return;
  post({ type: 'traced', events, batchSize: batch.length, startedAt, endedAt, ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }) });
}

if (parentPort) {
  const port = parentPort;
  // A store that cannot open (a file the user may not read, a newer schema) ends the thread with that error: its starter reports and retries.
  main(port, workerData as ProjectionWorkerData).catch((error: unknown) =>
    setImmediate(() => {
      throw error;
    }),
  );
}

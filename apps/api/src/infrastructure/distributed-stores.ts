// Distributed mode for the API (SPEC section 2): appends go to the event log
// (EventStoreDB when RAPPORT_ESDB_URL is set, else the SQLite file under
// RAPPORT_DATA_DIR), reads come from the MongoDB read models that the
// projector processes maintain. No projection runs in the API process.
//
// `?consistentWith=<token>` keeps its embedded meaning — the read waits until
// the read models reflect every event up to the token's log position — by
// asking Kafka how far the relay and the projectors have got
// (KafkaReadProgress). ProjectionRunner stays the injection token the
// controllers know, so the read side is unchanged; in this mode it only
// reports progress.
import { ProjectionRunner, type BatchResult } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { MongoKeyStore, type EventStore, type KeyStore, type RecordedEvent } from '@rapport/event-store';
import { KafkaReadProgress, kafkaClient, messagingSettings } from '@rapport/messaging';
import { MongoReadStore, type ReadStore } from '@rapport/read-store';
import { openDistributedLog } from '@rapport/wiring';

export interface DistributedStores {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly keyStore: KeyStore;
}

export async function openDistributedStores(config: RapportConfig): Promise<DistributedStores> {
  const eventStore = openDistributedLog(config).store;
  let readStore: ReadStore | undefined;
  try {
    readStore = await MongoReadStore.connect(config.mongoUrl);
    // Keys live beside the read models, so the projector can open what it projects.
    return { eventStore, readStore, keyStore: await MongoKeyStore.connect(config.mongoUrl) };
  } catch (error) {
    await Promise.allSettled([eventStore.close(), readStore?.close()]);
    throw error;
  }
}

/** Read progress of the distributed read models, behind the ProjectionRunner token. */
export class DistributedReadProgress extends ProjectionRunner {
  private started = false;

  constructor(
    store: EventStore,
    readStore: ReadStore,
    private readonly progress: KafkaReadProgress,
  ) {
    super(store, readStore);
  }

  static forConfig(config: RapportConfig, store: EventStore, readStore: ReadStore, onError?: (error: unknown) => void): DistributedReadProgress {
    const settings = messagingSettings();
    const kafka = kafkaClient(config.kafkaBrokers, 'rapport-api', settings.kafkaLogLevel);
    const progress = new KafkaReadProgress(kafka, {
      topic: settings.topic,
      relayId: settings.relayId,
      projectorGroup: settings.projectorGroup,
      onError,
    });
    return new DistributedReadProgress(store, readStore, progress);
  }

  /** Highest log position known to be reflected by the read models. */
  override get position(): number {
    return this.progress.position;
  }

  /** The API serves reads and writes without Kafka; only `?consistentWith=` needs it. */
  override get running(): boolean {
    return this.started;
  }

  override async start(): Promise<void> {
    await this.progress.start();
    this.started = true;
  }

  override async stop(): Promise<void> {
    this.started = false;
    await this.progress.stop();
  }

  override waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.waitFor(position, timeoutMs);
  }

  override catchUp(): Promise<number> {
    return Promise.reject(notHere());
  }

  override rebuild(): Promise<number> {
    return Promise.reject(notHere());
  }

  override applyBatch(_events: readonly RecordedEvent[]): Promise<BatchResult> {
    return Promise.reject(notHere());
  }
}

function notHere(): Error {
  return new Error('RAPPORT_MODE=distributed: projections run in the projector process (npm run projector), not in the API');
}

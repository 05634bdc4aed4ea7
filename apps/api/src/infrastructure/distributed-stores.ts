// Distributed mode for the API (SPEC section 2): appends go to the event log
// (EventStoreDB when RAPPORT_ESDB_URL is set, else the SQLite file under
// RAPPORT_DATA_DIR), reads come from the MongoDB read models that the
// projector processes maintain. No projection runs in the API process.
//
// `?consistentWith=<token>` keeps its embedded meaning — the read waits until
// the read models reflect every event up to the token's log position — by
// asking Kafka how far the relay and the projectors have got
// (KafkaReadProgress), behind the same ReadProgress token the embedded
// subscription provides.
import { ReadProgress, type SubscriptionStatus } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import type { DocumentStore } from '@rapport/document-store';
import type { EventStore, KeyStore } from '@rapport/event-store';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { KafkaReadProgress, kafkaClient, messagingSettings } from '@rapport/messaging';
import { connectMongoReadModels, openDistributedLog } from '@rapport/wiring';

export interface DistributedStores {
  readonly eventStore: EventStore;
  readonly documentStore: DocumentStore;
  readonly keyStore: KeyStore;
}

export async function openDistributedStores(config: RapportConfig): Promise<DistributedStores> {
  const eventStore = openDistributedLog(config).store;
  let documentStore: DocumentStore | undefined;
  try {
    documentStore = await connectMongoReadModels(config.mongoUrl);
    // Keys live beside the read models, so the projector can open what it projects.
    return { eventStore, documentStore, keyStore: await MongoKeyStore.connect(config.mongoUrl) };
  } catch (error) {
    await Promise.allSettled([eventStore.close(), documentStore?.close()]);
    throw error;
  }
}

/** Read progress of the distributed read models, as Kafka tells it. */
export class DistributedReadProgress extends ReadProgress {
  private started = false;

  constructor(private readonly progress: KafkaReadProgress) {
    super();
  }

  static forConfig(config: RapportConfig, onError?: (error: unknown) => void): DistributedReadProgress {
    const settings = messagingSettings();
    const kafka = kafkaClient(config.kafkaBrokers, 'rapport-api', settings.kafkaLogLevel);
    const progress = new KafkaReadProgress(kafka, {
      topic: settings.topic,
      relayId: settings.relayId,
      projectorGroup: settings.projectorGroup,
      onError,
    });
    return new DistributedReadProgress(progress);
  }

  /** Highest log position known to be reflected by the read models. */
  get position(): number {
    return this.progress.position;
  }

  /** The API serves reads and writes without Kafka; only `?consistentWith=` needs it. */
  get running(): boolean {
    return this.started;
  }

  /**
   * How far the projector processes have got, as Kafka tells it (readiness compares it with the
   * log's head): undefined until Kafka has answered once. They record no error the API could see.
   */
  get status(): SubscriptionStatus | undefined {
    const lastAdvancedAt = this.progress.lastAdvancedAt;
    if (lastAdvancedAt === undefined) return undefined;
    return { running: this.started, position: this.progress.position, lastAdvancedAt, lastError: undefined };
  }

  async start(): Promise<void> {
    await this.progress.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.progress.stop();
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.waitFor(position, timeoutMs);
  }
}

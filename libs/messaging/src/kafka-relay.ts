// The relay: follows the event log from its checkpoint and publishes every
// recorded event to Kafka (SPEC section 5). Each batch is one Kafka
// transaction holding the messages *and* the checkpoint, so a crash at any
// instant either commits both or neither: a read_committed consumer sees every
// event exactly once, and per-customer order holds because a customer's
// messages share a key, hence a partition, and batches are sent in log order.
//
// The checkpoint is stored as the committed offset of a consumer group on a
// one-partition checkpoint topic, through the transaction's sendOffsets (the
// consume-transform-produce pattern, with the event log as the source). The
// transactional id fences a zombie relay: once a new instance initialises, the
// old one can no longer commit.
import { Kafka, type Admin, type Producer, type Transaction } from 'kafkajs';
import { sleep } from '@rapport/config';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import { SpanKind, startItemSpans, traceHeadersOf, type SpanGroup } from '@rapport/observability';
import { ACTIONS_TOPIC, toActionMessage } from './action.message';
import { CUSTOMER_EVENTS_TOPIC, toCustomerEventMessage } from './customer-event.message';

export interface KafkaRelayOptions {
  readonly topic?: string;
  /** Where requested actions go, in the same transaction (default `rapport.actions.v1`). */
  readonly actionsTopic?: string;
  /** One relay per log: the transactional id and checkpoint group derive from it. */
  readonly relayId?: string;
  readonly batchSize?: number;
  /**
   * Pause after a commit before the next transaction, in ms (default 30). The
   * coordinator writes the commit markers after answering EndTxn; a transaction
   * that starts before they are written is refused with CONCURRENT_TRANSACTIONS
   * (retried by kafkajs, which logs each; Rapport's log creator keeps those at
   * debug). Measured here on one broker: 34 refusals in 60 back-to-back
   * transactions, 2 with a 10 ms pause, none with 20 ms; a slower machine still
   * draws a few. The events recorded meanwhile join the next transaction.
   */
  readonly pauseAfterCommitMs?: number;
  readonly partitions?: number;
  readonly logger?: { info(message: string): void; error(message: string): void };
}

export const CHECKPOINT_TOPIC = 'rapport.relay.checkpoints';
const DEFAULT_PAUSE_AFTER_COMMIT_MS = 30;

/** The consumer group whose committed offset on CHECKPOINT_TOPIC is a relay's checkpoint (a log position). */
export const relayCheckpointGroup = (relayId: string): string => `${relayId}.checkpoint`;

export class KafkaRelay {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private checkpoint = -1;
  private committedAt: number | undefined;
  private readonly topic: string;
  private readonly actionsTopic: string;
  private readonly relayId: string;

  constructor(
    private readonly store: EventStore,
    private readonly kafka: Kafka,
    private readonly options: KafkaRelayOptions = {},
  ) {
    this.topic = options.topic ?? CUSTOMER_EVENTS_TOPIC;
    this.actionsTopic = options.actionsTopic ?? ACTIONS_TOPIC;
    this.relayId = options.relayId ?? 'rapport-relay';
  }

  /** Position of the last event published in a committed transaction. */
  get position(): number {
    return this.checkpoint;
  }

  /** When this relay last committed a transaction (ms since the epoch); undefined before its first. */
  get lastCommittedAt(): number | undefined {
    return this.committedAt;
  }

  private get group(): string {
    return relayCheckpointGroup(this.relayId);
  }

  /** Creates the topics if needed, fences any previous instance, reads the checkpoint and starts following. */
  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await ensureTopics(this.admin, [
      { topic: this.topic, numPartitions: this.options.partitions ?? 6 },
      { topic: this.actionsTopic, numPartitions: this.options.partitions ?? 6 },
      { topic: CHECKPOINT_TOPIC, numPartitions: 1 },
    ]);
    this.producer = this.kafka.producer({
      transactionalId: this.relayId,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    // Connecting initialises the transactional id: a predecessor's open transaction is aborted.
    await this.producer.connect();
    this.checkpoint = await this.readCheckpoint();
    this.options.logger?.info(`relay ${this.relayId} resuming after log position ${this.checkpoint}`);
    this.abort = new AbortController();
    this.loop = this.follow(this.abort.signal);
  }

  /** Stops after the transaction in hand is committed or aborted. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop?.catch(() => undefined);
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /** Settles when the follow loop ends: resolves after stop(), rejects if publishing failed. */
  finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Resolves when the relay has published through `position`. */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.checkpoint < position) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private async readCheckpoint(): Promise<number> {
    // On a broker that has never hosted a consumer group, the offsets topic is created on this first
    // request and the coordinator answers NOT_COORDINATOR for a while; kafkajs does not retry it here.
    const offsets = await retryWhileRetriable(() => this.admin!.fetchOffsets({ groupId: this.group, topics: [CHECKPOINT_TOPIC] }));
    const offset = offsets[0]?.partitions[0]?.offset;
    return offset === undefined || Number(offset) < 0 ? -1 : Number(offset);
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const pauseMs = this.options.pauseAfterCommitMs ?? DEFAULT_PAUSE_AFTER_COMMIT_MS;
    for await (const batch of this.store.follow({ after: this.checkpoint, batchSize: this.options.batchSize ?? 500, signal })) {
      await this.publish(batch);
      if (signal.aborted) return;
      // Before asking the log for the next batch: the markers land, and what is recorded meanwhile rides along.
      if (pauseMs > 0 && batch.length > 0) await sleep(pauseMs, signal);
    }
  }

  /** One transaction: the batch's messages and the checkpoint after its last event. */
  async publish(batch: readonly RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    // Traced: a producer span per event recorded under a sampled trace, child of its append span; its
    // context travels as the message's W3C `traceparent` header (the hop), the origin as `ce_traceparent`.
    const spans = startItemSpans(`publish ${this.topic}`, SpanKind.PRODUCER, batch, (event) => event.metadata, (event) => ({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': this.topic,
      'messaging.message.id': event.eventId,
      'messaging.kafka.message.key': event.customerId,
      'rapport.event.type': event.type,
      'rapport.log.position': event.position,
    }));
    const transaction: Transaction = await this.producer!.transaction();
    try {
      const actions = batch.flatMap((event) => {
        const message = toActionMessage(event);
        return message ? [{ key: message.key, value: message.value, headers: { ...message.headers } }] : [];
      });
      await transaction.sendBatch({
        topicMessages: [{ topic: this.topic, messages: withHopContext(batch.map(toKafkaMessage), spans) }, ...(actions.length > 0 ? [{ topic: this.actionsTopic, messages: actions }] : [])],
      });
      await transaction.sendOffsets({
        consumerGroupId: this.group,
        topics: [{ topic: CHECKPOINT_TOPIC, partitions: [{ partition: 0, offset: String(last) }] }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      spans.end(error);
      throw error;
    }
    spans.end();
    this.checkpoint = last;
    this.committedAt = Date.now();
  }
}

function toKafkaMessage(event: RecordedEvent) {
  const message = toCustomerEventMessage(event);
  return { key: message.key, value: message.value, headers: { ...message.headers } as Record<string, string> };
}

/** Adds each traced message's publish span as its W3C `traceparent` (and `tracestate`) header. */
function withHopContext(messages: ReturnType<typeof toKafkaMessage>[], spans: SpanGroup<RecordedEvent>): ReturnType<typeof toKafkaMessage>[] {
  if (spans.spans.length === 0) return messages;
  const byEventId = new Map(spans.spans.map(({ item, span }) => [item.eventId, span]));
  for (const message of messages) {
    const span = byEventId.get(message.headers.ce_id!);
    if (span) Object.assign(message.headers, traceHeadersOf(span));
  }
  return messages;
}

/** Runs `call` again while it fails with an error Kafka calls retriable, for up to `timeoutMs`. */
export async function retryWhileRetriable<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await call();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export async function ensureTopics(
  admin: Admin,
  topics: readonly { topic: string; numPartitions: number }[],
  leaderTimeoutMs = 30_000,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, replicationFactor: 1 })),
  });
  // When another process (relay and projector starting together) created a topic first, createTopics
  // returns at once without waiting: wait here until every partition has a leader, or a fetch fails
  // with "This server does not host this topic-partition".
  const names = missing.map((t) => t.topic);
  for (const deadline = Date.now() + leaderTimeoutMs; ; await new Promise((r) => setTimeout(r, 100))) {
    const metadata = await admin.fetchTopicMetadata({ topics: names }).catch(() => undefined);
    const ready = metadata?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leader after ${leaderTimeoutMs} ms`);
  }
}

// The projector: a Kafka consumer group over the customer events topic that
// maintains the read models (SPEC section 2, distributed mode).
//
// - read_committed: only events of committed relay transactions are seen;
// - eachBatch with auto-commit off: a partition's batch is handled in chunks,
//   and a chunk's offsets are committed only after its documents are written
//   (and its dead letters acknowledged), so a crash replays at most the chunk
//   in hand, which the per-customer revision guard makes harmless;
// - a store failure is retried in place (with backoff, heartbeating) rather
//   than skipping anything; a bad event goes to the dead-letter topic and
//   parks its customer (see ProjectorCore).
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { SpanKind, startItemSpans } from '@rapport/observability';
import { CUSTOMER_EVENTS_TOPIC, deadLetterTopic, header, traceHeadersOfMessage } from './customer-event.message';
import { toDeadLetterMessage, type DeadLetter } from './dead-letter';
import { ensureTopics } from './kafka-relay';
import type { ParkingLot } from './parking-lot';
import { describe, ProjectorCore, type ChunkResult, type DeadLetterPublisher, type IncomingMessage, type ProjectionSink } from './projector-core';
import { sleep, type StructuredLogger } from '@rapport/config';

/**
 * How long the group waits for a projector that stopped heartbeating before its
 * partitions go to the others: 10 s (kafkajs' and Kafka's own are 30 s and 45 s).
 * A slow chunk cannot outlast it by accident: the projector heartbeats on a
 * timer (a tenth of it) while a chunk is written.
 */
export const PROJECTOR_SESSION_TIMEOUT_MS = 10_000;

export interface KafkaProjectorOptions {
  readonly topic?: string;
  readonly groupId?: string;
  /** Partitions of the topic and of the dead-letter topic when the projector has to create them. */
  readonly partitions?: number;
  /** Messages applied (and committed) together. Default 200. */
  readonly chunkSize?: number;
  /** Partitions handled at once by one process. Default 3. */
  readonly partitionsConsumedConcurrently?: number;
  /** Session timeout of the group membership: how soon a dead projector's partitions move. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Longest pause between retries of a chunk whose store write failed. Default 10 s. */
  readonly maxRetryDelayMs?: number;
  readonly logger?: StructuredLogger;
  /** Called after each chunk is committed (metrics). */
  readonly onChunk?: (topic: string, partition: number, result: ChunkResult) => void;
  /** Called when the consumer has crashed for good (kafkajs will not restart it): the owner should replace this projector. */
  readonly onCrash?: (error: unknown) => void;
}

/** Errors of group membership: the runner rejoins the group on these, when it sees them unwrapped. */
const MEMBERSHIP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

function membershipError(error: unknown): Error | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (MEMBERSHIP_ERRORS.has((e as { type?: string }).type ?? '')) return e;
  }
  return undefined;
}

export interface PartitionLag {
  readonly partition: number;
  /** Last stable offset (read_committed end of the partition). */
  readonly end: number;
  /** The group's committed offset, or the partition's start when it has none. */
  readonly committed: number;
  readonly lag: number;
}

export class KafkaProjector {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly abort = new AbortController();
  private readonly core: ProjectorCore;
  /** Last offset committed per partition by this member, to keep commits monotonic. */
  private readonly committed = new Map<number, bigint>();
  private commitChain: Promise<void> = Promise.resolve();
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    sink: ProjectionSink,
    parking: ParkingLot,
    private readonly options: KafkaProjectorOptions = {},
  ) {
    this.topic = options.topic ?? CUSTOMER_EVENTS_TOPIC;
    this.deadLetterTopic = deadLetterTopic(this.topic);
    this.groupId = options.groupId ?? 'rapport-projector';
    const publisher: DeadLetterPublisher = {
      publish: (letters) => this.publishDeadLetters(letters),
    };
    this.core = new ProjectorCore(sink, parking, publisher);
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const partitions = this.options.partitions ?? 6;
    await ensureTopics(this.admin, [
      { topic: this.topic, numPartitions: partitions },
      { topic: this.deadLetterTopic, numPartitions: partitions },
    ]);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? PROJECTOR_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? PROJECTOR_SESSION_TIMEOUT_MS) / 10)),
    });
    const { END_BATCH_PROCESS, GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.options.logger?.error('projector consumer crashed', { error: describe(error), restarting: restart });
      if (!restart && !this.abort.signal.aborted) this.options.onCrash?.(error);
    });
    // A fetch holding only transaction markers never reaches eachBatch; commit past it,
    // so the group's offset reaches the partition's end and lag reads 0.
    this.consumer.on(END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset } = event.payload;
      if (batchSize === 0 && topic === this.topic) void this.commit(partition, BigInt(lastOffset) + 1n).catch(() => undefined);
    });
    this.consumer.on(GROUP_JOIN, (event) => {
      this.committed.clear();
      this.options.logger?.info('projector joined the group', { groupId: this.groupId, assignment: event.payload.memberAssignment });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Finishes the chunk in hand (its offsets committed), leaves the group and disconnects. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.commitChain.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** Per-partition lag of the group: read_committed end offset minus committed offset. */
  async lag(): Promise<PartitionLag[]> {
    if (!this.admin) return [];
    return consumerGroupLag(this.admin, this.groupId, this.topic);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    // kafkajs heartbeats only when asked: keep the membership alive while a slow chunk is written.
    const interval = Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? PROJECTOR_SESSION_TIMEOUT_MS) / 10));
    const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), interval);
    try {
      await this.handleBatch(payload);
    } catch (error) {
      // Unwrapped, a membership error makes the runner rejoin the group instead of crashing.
      throw membershipError(error) ?? error;
    } finally {
      clearInterval(timer);
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const chunkSize = this.options.chunkSize ?? 200;
    const { topic, partition } = batch;
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!isRunning() || isStale()) return;
      const chunk: IncomingMessage[] = batch.messages.slice(start, start + chunkSize);
      // Traced: a consumer span per traced message, child of the relay's publish span (or of the event's origin),
      // from receipt until the chunk's offsets are committed.
      const spans = startItemSpans(`process ${topic}`, SpanKind.CONSUMER, chunk, traceHeadersOfMessage, (message) => ({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(message.offset),
        'messaging.consumer.group.name': this.groupId,
        'messaging.message.id': header(message, 'ce_id') ?? '',
        'rapport.event.type': header(message, 'ce_type') ?? '',
      }));
      let result: ChunkResult | undefined;
      try {
        result = await this.withRetries(topic, partition, chunk, heartbeat, () => isRunning() && !isStale());
        if (result !== undefined) {
          const last = chunk[chunk.length - 1]!.offset;
          resolveOffset(last);
          const next = start + chunkSize >= batch.messages.length ? BigInt(batch.lastOffset()) + 1n : BigInt(last) + 1n;
          await this.commit(partition, next);
        }
      } catch (error) {
        spans.end(error);
        throw error;
      }
      // Also when stopped before the chunk was applied: it is redelivered (and traced again) later.
      spans.end();
      if (result === undefined) return;
      this.options.onChunk?.(topic, partition, result);
      await heartbeat();
    }
  }

  private async withRetries(
    topic: string,
    partition: number,
    chunk: readonly IncomingMessage[],
    heartbeat: () => Promise<void>,
    mayContinue: () => boolean,
  ): Promise<ChunkResult | undefined> {
    const maxDelay = this.options.maxRetryDelayMs ?? 10_000;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.core.handle(topic, partition, chunk);
        if (result.newlyParked.length > 0) {
          this.options.logger?.warn('customers parked: their events wait in the dead-letter topic', {
            customers: result.newlyParked,
            deadLetterTopic: this.deadLetterTopic,
          });
        }
        return result;
      } catch (error) {
        if (this.abort.signal.aborted || !mayContinue()) return undefined;
        const delay = Math.min(maxDelay, 200 * 2 ** Math.min(attempt, 10));
        this.options.logger?.error('projector chunk failed; retrying', {
          partition,
          firstOffset: chunk[0]?.offset,
          attempt: attempt + 1,
          retryInMs: delay,
          error: describe(error),
        });
        await sleep(delay, this.abort.signal);
        if (this.abort.signal.aborted || !mayContinue()) return undefined;
        await heartbeat();
      }
    }
  }

  /** Commits are serialised and never move a partition's offset backwards. */
  private commit(partition: number, offset: bigint): Promise<void> {
    const run = async () => {
      const previous = this.committed.get(partition);
      if (previous !== undefined && previous >= offset) return;
      await this.consumer!.commitOffsets([{ topic: this.topic, partition, offset: offset.toString() }]);
      this.committed.set(partition, offset);
    };
    const next = this.commitChain.then(run, run);
    this.commitChain = next.catch(() => undefined);
    return next;
  }

  private async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await this.producer!.send({
      topic: this.deadLetterTopic,
      acks: -1,
      messages: letters.map((letter) => {
        const message = toDeadLetterMessage(letter, this.groupId);
        return { key: message.key, value: message.value, headers: message.headers };
      }),
    });
  }
}

/** Lag of a consumer group on a topic, per partition, against the read_committed end offsets. */
export async function consumerGroupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committed = new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends
    .map((p) => {
      const end = Number(p.high);
      const low = Number(p.low);
      const own = committed.get(p.partition) ?? -1;
      const at = own < 0 ? low : own;
      return { partition: p.partition, end, committed: at, lag: Math.max(0, end - at) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** A group id for a one-off reader, e.g. a dead-letter scan. */
export function ephemeralGroupId(purpose: string): string {
  return `rapport-${purpose}-${randomUUID()}`;
}

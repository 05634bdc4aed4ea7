// Settings of the distributed processes (relay, projector, API in distributed
// mode) beyond the fixed variables of SPEC section 9. All three read the same
// names, so they agree on the topic and on each other's group ids: the API's
// `?consistentWith=` reads the relay's checkpoint and the projector's offsets.
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { CUSTOMER_EVENTS_TOPIC, deadLetterTopic } from './customer-event.message';

export interface MessagingSettings {
  /** RAPPORT_KAFKA_TOPIC: the customer events topic (SPEC section 5). */
  readonly topic: string;
  /** The dead-letter topic: `<topic>.dlq`. */
  readonly deadLetterTopic: string;
  /** RAPPORT_KAFKA_PARTITIONS: partitions of the topic when the relay creates it. */
  readonly partitions: number;
  /** RAPPORT_RELAY_ID: one relay per log; its transactional id and checkpoint group derive from it. */
  readonly relayId: string;
  /** RAPPORT_PROJECTOR_GROUP: the projectors' consumer group. */
  readonly projectorGroup: string;
  /**
   * RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS (30000; 6000 to 300000): how long the group waits for a
   * projector that stopped heartbeating (killed, partitioned) before its partitions go to the others.
   */
  readonly projectorSessionTimeoutMs: number;
  /**
   * RAPPORT_PROJECTOR_WRITE_SLICE (24; 2 to 10000): most update statements in one MongoDB bulk write,
   * handed to MongoReadStore by the projector and by the CLI's projections commands in distributed mode.
   * FerretDB 1.24 deadlocks beyond about 100 in flight per database, summed over all writers.
   */
  readonly projectorWriteSlice: number;
  /** RAPPORT_METRICS_HOST: where the relay's and projector's /metrics listen. */
  readonly metricsHost: string;
  /** RAPPORT_PROJECTOR_METRICS_PORT (9464; 0 = any free port). */
  readonly projectorMetricsPort: number;
  /** RAPPORT_RELAY_METRICS_PORT (9465; 0 = any free port). */
  readonly relayMetricsPort: number;
  /** RAPPORT_KAFKA_LOG_LEVEL: kafkajs' own logging (nothing, error, warn, info, debug). */
  readonly kafkaLogLevel: logLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

export class MessagingSettingsError extends Error {
  override readonly name = 'MessagingSettingsError';
}

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function messagingSettings(env: Env = process.env): MessagingSettings {
  const topic = text(env, 'RAPPORT_KAFKA_TOPIC', CUSTOMER_EVENTS_TOPIC);
  const level = text(env, 'RAPPORT_KAFKA_LOG_LEVEL', 'error').toLowerCase();
  if (!(level in LOG_LEVELS)) throw new MessagingSettingsError(`RAPPORT_KAFKA_LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}; got "${level}"`);
  return {
    topic,
    deadLetterTopic: deadLetterTopic(topic),
    partitions: integer(env, 'RAPPORT_KAFKA_PARTITIONS', 6, 1, 1000),
    relayId: text(env, 'RAPPORT_RELAY_ID', 'rapport-relay'),
    projectorGroup: text(env, 'RAPPORT_PROJECTOR_GROUP', 'rapport-projector'),
    projectorSessionTimeoutMs: integer(env, 'RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
    projectorWriteSlice: integer(env, 'RAPPORT_PROJECTOR_WRITE_SLICE', 24, 2, 10_000),
    metricsHost: text(env, 'RAPPORT_METRICS_HOST', '127.0.0.1'),
    projectorMetricsPort: integer(env, 'RAPPORT_PROJECTOR_METRICS_PORT', 9464, 0, 65535),
    relayMetricsPort: integer(env, 'RAPPORT_RELAY_METRICS_PORT', 9465, 0, 65535),
    kafkaLogLevel: LOG_LEVELS[level]!,
  };
}

/** A kafkajs client for one of Rapport's processes. */
export function kafkaClient(brokers: readonly string[], clientId: string, level: logLevel = logLevel.ERROR, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ brokers: [...brokers], clientId, logLevel: level, ...extra });
}

function text(env: Env, name: string, fallback: string): string {
  return env[name]?.trim() || fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MessagingSettingsError(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

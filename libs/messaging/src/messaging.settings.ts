// Settings of the distributed processes (relay, projector, API in distributed
// mode) beyond the fixed variables of SPEC section 9. All three read the same
// names, so they agree on the topic and on each other's group ids: the API's
// `?consistentWith=` reads the relay's checkpoint and the projector's offsets.
import { ConfigError, envInteger, envText, type Env } from '@rapport/config';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { ACTIONS_TOPIC } from './action.message';
import { CUSTOMER_EVENTS_TOPIC, deadLetterTopic } from './customer-event.message';
import { PROJECTOR_SESSION_TIMEOUT_MS } from './kafka-projector';

export interface MessagingSettings {
  /** RAPPORT_KAFKA_TOPIC: the customer events topic (SPEC section 5). */
  readonly topic: string;
  /** The dead-letter topic: `<topic>.dlq`. */
  readonly deadLetterTopic: string;
  /** RAPPORT_KAFKA_ACTIONS_TOPIC: where the relay publishes requested actions (default `rapport.actions.v1`). */
  readonly actionsTopic: string;
  /** RAPPORT_KAFKA_PARTITIONS: partitions of the topic when the relay creates it. */
  readonly partitions: number;
  /** RAPPORT_RELAY_ID: one relay per log; its transactional id and checkpoint group derive from it. */
  readonly relayId: string;
  /** RAPPORT_PROJECTOR_GROUP: the projectors' consumer group. */
  readonly projectorGroup: string;
  /**
   * RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS (10000; 6000 to 300000): how long the group waits for a
   * projector that stopped heartbeating (killed, partitioned) before its partitions go to the others.
   */
  readonly projectorSessionTimeoutMs: number;
  /**
   * RAPPORT_PROJECTOR_WRITE_SLICE (24; 2 to 10000): most update statements in one MongoDB bulk write,
   * handed to MongoDocumentStore by the projector and by the CLI's projections commands in distributed mode.
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


/** A Kafka setting is wrong; still a ConfigError, so every role stops on it the same way. */
export class MessagingSettingsError extends ConfigError {
  override readonly name: string = 'MessagingSettingsError';
}

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function messagingSettings(env: Env = process.env): MessagingSettings {
  const topic = envText(env, 'RAPPORT_KAFKA_TOPIC', CUSTOMER_EVENTS_TOPIC);
  const level = envText(env, 'RAPPORT_KAFKA_LOG_LEVEL', 'error').toLowerCase();
  if (!(level in LOG_LEVELS)) throw new MessagingSettingsError(`RAPPORT_KAFKA_LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}; got "${level}"`);
  return {
    topic,
    actionsTopic: envText(env, 'RAPPORT_KAFKA_ACTIONS_TOPIC', ACTIONS_TOPIC),
    deadLetterTopic: deadLetterTopic(topic),
    partitions: envInteger(env, 'RAPPORT_KAFKA_PARTITIONS', 6, 1, 1000, MessagingSettingsError),
    relayId: envText(env, 'RAPPORT_RELAY_ID', 'rapport-relay'),
    projectorGroup: envText(env, 'RAPPORT_PROJECTOR_GROUP', 'rapport-projector'),
    projectorSessionTimeoutMs: envInteger(env, 'RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS', PROJECTOR_SESSION_TIMEOUT_MS, 6_000, 300_000, MessagingSettingsError),
    projectorWriteSlice: envInteger(env, 'RAPPORT_PROJECTOR_WRITE_SLICE', 24, 2, 10_000, MessagingSettingsError),
    metricsHost: envText(env, 'RAPPORT_METRICS_HOST', '127.0.0.1'),
    projectorMetricsPort: envInteger(env, 'RAPPORT_PROJECTOR_METRICS_PORT', 9464, 0, 65535, MessagingSettingsError),
    relayMetricsPort: envInteger(env, 'RAPPORT_RELAY_METRICS_PORT', 9465, 0, 65535, MessagingSettingsError),
    kafkaLogLevel: LOG_LEVELS[level]!,
  };
}

/** A kafkajs client for one of Rapport's processes. */
export function kafkaClient(brokers: readonly string[], clientId: string, level: logLevel = logLevel.ERROR, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ brokers: [...brokers], clientId, logLevel: level, logCreator: rapportKafkaLogCreator(), ...extra });
}

/** Where a kafkajs line goes once formatted: the console by default. */
export type KafkaLogSink = (level: logLevel, line: string) => void;

const toConsole: KafkaLogSink = (level, line) => {
  if (level === logLevel.ERROR || level === logLevel.NOTHING) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else if (level === logLevel.INFO) console.info(line);
  else console.log(line);
};

/**
 * kafkajs' lines that are not news to an operator, below debug level:
 * - every attempt to reach a broker that does not answer (two or three a second per client during an
 *   outage): each process's DependencyMonitor says once that Kafka went away and once that it is back;
 * - the broker's CONCURRENT_TRANSACTIONS answer to a transaction begun while the previous one's commit
 *   markers are still being written. It is a retriable refusal that kafkajs retries, and logs as ERROR
 *   on every attempt; Kafka's own Java producer re-enqueues it after a short back-off without a log line.
 *   The relay pauses after each commit so that it is rare; when the broker is slow to write markers, it
 *   still happens and costs a retry, never an event.
 */
const UNREACHABLE_NOISE = /^(Connection error|Connection timeout|Failed to connect to seed broker)/;
const CONCURRENT_TRANSACTIONS = /another concurrent operation on the same transaction was ongoing/;

/** True for a kafkajs line that Rapport logs at debug level only (see above). */
export function isRoutineKafkaNoise({ namespace, log }: Pick<LogEntry, 'namespace' | 'log'>): boolean {
  if ((namespace === 'Connection' || namespace === 'BrokerPool') && UNREACHABLE_NOISE.test(log.message)) return true;
  return CONCURRENT_TRANSACTIONS.test(log.message) || CONCURRENT_TRANSACTIONS.test(String(log['error'] ?? ''));
}

/** kafkajs' own format as one JSON line, without routine noise unless the level is debug. */
export function rapportKafkaLogCreator(sink: KafkaLogSink = toConsole): (configured: logLevel) => (entry: LogEntry) => void {
  return (configured) => (entry) => {
    if (configured < logLevel.DEBUG && isRoutineKafkaNoise(entry)) return;
    const { namespace, level, label, log } = entry;
    sink(level, JSON.stringify({ level: label, ...log, message: `${namespace ? `[${namespace}] ` : ''}${log.message}` }));
  };
}

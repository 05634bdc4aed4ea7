// Composition of the projector process: Kafka in, MongoDB read models out,
// parked customers beside them, metrics on a small HTTP endpoint.
import type { Logger } from 'pino';
import type { RapportConfig } from '@rapport/config';
import {
  DeadLetterReplayer,
  KafkaProjector,
  kafkaClient,
  MongoParkingLot,
  serveMetrics,
  type MessagingSettings,
  type MetricsServer,
  type ProjectorLogger,
} from '@rapport/messaging';
import { MongoReadStore } from '@rapport/read-store';
import { ProjectorMetrics } from './projector.metrics';
import { RunnerSink } from './runner-sink';

export interface RunningProjector {
  readonly projector: KafkaProjector;
  readonly metrics: MetricsServer;
  stop(): Promise<void>;
}

export function projectorLogger(logger: Logger): ProjectorLogger {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export async function startProjector(config: RapportConfig, settings: MessagingSettings, logger: Logger): Promise<RunningProjector> {
  const readStore = await MongoReadStore.connect(config.mongoUrl);
  const parking = await MongoParkingLot.connect(config.mongoUrl);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-projector', settings.kafkaLogLevel);
  // The lag gauge asks the projector at scrape time, after it exists.
  const metrics = new ProjectorMetrics(() => projector.lag(), parking);
  const projector = new KafkaProjector(kafka, new RunnerSink(readStore), parking, {
    topic: settings.topic,
    groupId: settings.projectorGroup,
    partitions: settings.partitions,
    logger: projectorLogger(logger),
    onChunk: (topic, partition, result) => metrics.observe(topic, partition, result),
  });
  const closeStores = async () => {
    await parking.close().catch(() => undefined);
    await readStore.close().catch(() => undefined);
  };
  let server: MetricsServer;
  try {
    await projector.start();
    server = await serveMetrics(metrics.registry, settings.metricsHost, settings.projectorMetricsPort);
  } catch (error) {
    await projector.stop();
    await closeStores();
    throw error;
  }
  logger.info({ topic: projector.topic, groupId: projector.groupId, deadLetterTopic: projector.deadLetterTopic, metrics: `${server.url}/metrics` }, 'projector consuming');
  return {
    projector,
    metrics: server,
    async stop() {
      await projector.stop();
      await server.close();
      await closeStores();
    },
  };
}

/** Opens what `replay-dlq` and `parked` need; the caller closes it. */
export async function openReplay(config: RapportConfig, settings: MessagingSettings) {
  const readStore = await MongoReadStore.connect(config.mongoUrl);
  const parking = await MongoParkingLot.connect(config.mongoUrl);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-projector-replay', settings.kafkaLogLevel);
  const replayer = new DeadLetterReplayer(kafka, new RunnerSink(readStore), parking, { deadLetterTopic: settings.deadLetterTopic });
  return {
    replayer,
    parking,
    async close() {
      await parking.close();
      await readStore.close();
    },
  };
}

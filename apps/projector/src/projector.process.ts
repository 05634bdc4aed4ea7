// Composition of the projector process: Kafka in, MongoDB read models out,
// parked customers beside them, metrics on a small HTTP endpoint.
import type { Logger } from 'pino';
import { DependencyMonitor, type RapportConfig, type StructuredLogger } from '@rapport/config';
import {
  consumerGroupLag,
  DeadLetterReplayer,
  KafkaAdminLink,
  KafkaProjector,
  kafkaClient,
  MongoParkingLot,
  MongoPing,
  serveMetrics,
  type MessagingSettings,
  type MetricsServer,
} from '@rapport/messaging';
import { PersonalDataVault } from '@rapport/event-store';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { connectMongoReadModels } from '@rapport/wiring';
import { ProjectorMetrics } from './projector.metrics';
import { RunnerSink } from './runner-sink';

export interface RunningProjector {
  /** The consumer in service (replaced after a crash kafkajs does not recover from). */
  readonly projector: KafkaProjector;
  stop(): Promise<void>;
}

/** What the projector says about itself from its first moment: /metrics, and Kafka and MongoDB watched in the background. */
export interface ProjectorMonitoring {
  readonly metrics: ProjectorMetrics;
  readonly server: MetricsServer;
  stop(): Promise<void>;
}

/**
 * Starts /metrics and the dependency monitors before anything else, so the
 * endpoint answers while Kafka or MongoDB do not, and before the consumer has
 * joined its group. Each monitor logs one line when its dependency goes away
 * and one when it returns.
 */
export async function startProjectorMonitoring(config: RapportConfig, settings: MessagingSettings, logger: Logger): Promise<ProjectorMonitoring> {
  const log = projectorLogger(logger);
  const link = new KafkaAdminLink(config.kafkaBrokers, 'rapport-projector-monitor');
  const mongo = new MongoPing(config.mongoUrl);
  const dependencies = {
    kafka: new DependencyMonitor({ name: 'Kafka', probe: () => link.ping(), logger: log }).start(),
    mongodb: new DependencyMonitor({ name: 'MongoDB', probe: () => mongo.ping(), logger: log }).start(),
  };
  const metrics = new ProjectorMetrics({
    lag: () => link.run('consumer lag', (admin) => consumerGroupLag(admin, settings.projectorGroup, settings.topic)),
    dependencies,
    groupId: settings.projectorGroup,
  });
  let server: MetricsServer;
  try {
    server = await serveMetrics(metrics.registry, settings.metricsHost, settings.projectorMetricsPort);
  } catch (error) {
    await Promise.all([dependencies.kafka.stop(), dependencies.mongodb.stop()]);
    await Promise.all([link.close(), mongo.close()]);
    throw error;
  }
  logger.info({ metrics: `${server.url}/metrics` }, 'projector metrics listening');
  return {
    metrics,
    server,
    async stop() {
      await server.close();
      await Promise.all([dependencies.kafka.stop(), dependencies.mongodb.stop()]);
      await Promise.all([link.close(), mongo.close()]);
    },
  };
}

export function projectorLogger(logger: Logger): StructuredLogger {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/** The MongoDB side of a projector: read models, parked customers, and the keys that open sealed personal fields. */
async function openSink(config: RapportConfig, settings: MessagingSettings) {
  const readStore = await connectMongoReadModels(config.mongoUrl, { writeSlice: settings.projectorWriteSlice });
  let parking: MongoParkingLot | undefined;
  let keys: MongoKeyStore;
  try {
    parking = await MongoParkingLot.connect(config.mongoUrl);
    keys = await MongoKeyStore.connect(config.mongoUrl);
  } catch (error) {
    // A start that fails half-way is tried again: leave no client open behind it.
    await parking?.close().catch(() => undefined);
    await readStore.close().catch(() => undefined);
    throw error;
  }
  return {
    sink: new RunnerSink(readStore, new PersonalDataVault(keys)),
    parking,
    async close() {
      await parking.close().catch(() => undefined);
      await keys.close().catch(() => undefined);
      await readStore.close().catch(() => undefined);
    },
  };
}

export async function startProjector(config: RapportConfig, settings: MessagingSettings, logger: Logger, monitoring: ProjectorMonitoring): Promise<RunningProjector> {
  const { sink, parking, close: closeStores } = await openSink(config, settings);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-projector', settings.kafkaLogLevel);
  const { metrics, server } = monitoring;
  let stopping = false;
  let replacing: Promise<void> = Promise.resolve();
  const create = (): KafkaProjector =>
    new KafkaProjector(kafka, sink, parking, {
      topic: settings.topic,
      groupId: settings.projectorGroup,
      partitions: settings.partitions,
      sessionTimeoutMs: settings.projectorSessionTimeoutMs,
      logger: projectorLogger(logger),
      onChunk: (topic, partition, result) => metrics.observe(topic, partition, result),
      onCrash: () => {
        replacing = replacing.then(() => replace());
      },
    });
  // A consumer that crashed for good is replaced by a new one, which resumes from the committed offsets.
  const replace = async () => {
    for (let attempt = 1; !stopping; attempt++) {
      await current.stop();
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * attempt)));
      if (stopping) return;
      current = create();
      try {
        await current.start();
        logger.warn({ attempt }, 'projector consumer replaced after a crash');
        return;
      } catch (error) {
        logger.error({ error: String(error), attempt }, 'projector consumer could not restart; trying again');
      }
    }
  };
  let current = create();
  try {
    await current.start();
  } catch (error) {
    await current.stop();
    await closeStores();
    throw error;
  }
  metrics.attachParking(parking);
  logger.info({ topic: current.topic, groupId: current.groupId, deadLetterTopic: current.deadLetterTopic, metrics: `${server.url}/metrics` }, 'projector consuming');
  return {
    get projector() {
      return current;
    },
    async stop() {
      stopping = true;
      await replacing;
      await current.stop();
      metrics.attachParking(undefined);
      await closeStores();
    },
  };
}

/** Opens what `replay-dlq` and `parked` need; the caller closes it. */
export async function openReplay(config: RapportConfig, settings: MessagingSettings) {
  const { sink, parking, close } = await openSink(config, settings);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-projector-replay', settings.kafkaLogLevel);
  const replayer = new DeadLetterReplayer(kafka, sink, parking, { deadLetterTopic: settings.deadLetterTopic });
  return { replayer, parking, close };
}

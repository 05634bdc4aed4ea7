// `npm run relay`: the relay process of distributed mode. Follows the event
// log (EventStoreDB, or the SQLite file) from its checkpoint and publishes
// every recorded event to Kafka, each batch and its checkpoint in one
// transaction (see libs/messaging/src/kafka-relay.ts and docs/distributed.md).
//
// A failure (broker unreachable, transaction fenced by a newer relay with the
// same id) stops the relay in hand; it is rebuilt from the committed
// checkpoint after a back-off, so nothing is skipped or published twice.
// SIGTERM: the transaction in hand is committed or aborted, then exit 0.
import pino from 'pino';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ConfigError, DependencyMonitor, limitHeapGrowth, loadConfig, withTimeLimit } from '@rapport/config';
import { KafkaAdminLink, KafkaRelay, MessagingSettingsError, kafkaClient, messagingSettings, serveMetrics } from '@rapport/messaging';
import { SERVICE_NAMES, startTracing } from '@rapport/observability';
import { openEventLog } from './event-log';

const logger = pino({ name: 'relay', level: process.env.RAPPORT_LOG_LEVEL?.trim() || 'info' });

async function main(): Promise<number> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowthPercent);
  const settings = messagingSettings();
  // Off unless configured (docs/observability.md): a publish span per traced event.
  const tracing = await startTracing({ serviceName: SERVICE_NAMES.relay });
  const log = openEventLog(config);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-relay', settings.kafkaLogLevel);

  let relay: KafkaRelay | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rapport_relay_' });
  const restarts = new Counter({ name: 'rapport_relay_restarts_total', help: 'Times the relay was rebuilt after a failure', registers: [registry] });
  // The committed checkpoint only moves forward, and a rebuilt relay resumes from it: while one is
  // being rebuilt (its checkpoint not read yet) the last known position stands. None known yet: no sample.
  let lastPosition: number | undefined;
  new Gauge({
    name: 'rapport_relay_position',
    help: 'Log position of the last event published in a committed transaction (no sample until one is known)',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      const position = relay?.position ?? -1;
      if (position >= 0) lastPosition = Math.max(lastPosition ?? -1, position);
      if (lastPosition !== undefined) this.set({ relay: settings.relayId }, lastPosition);
    },
  });
  // When a transaction was last committed: the last one known across rebuilds; no sample before the first.
  let lastCommittedAt: number | undefined;
  new Gauge({
    name: 'rapport_relay_last_publish_timestamp_seconds',
    help: 'When the relay last committed a transaction of events and checkpoint (Unix time); no sample before its first',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      const at = relay?.lastCommittedAt;
      if (at !== undefined) lastCommittedAt = Math.max(lastCommittedAt ?? 0, at);
      if (lastCommittedAt !== undefined) this.set({ relay: settings.relayId }, lastCommittedAt / 1000);
    },
  });
  let lastHead: number | undefined;
  new Gauge({
    name: 'rapport_relay_log_head_position',
    help: 'Position of the last event in the log (the last value read while the log does not answer; no sample until one is known)',
    labelNames: ['relay'],
    registers: [registry],
    async collect() {
      const head = await withTimeLimit(1_000, () => log.store.headPosition(), 'the log').catch(() => undefined);
      if (head !== undefined && head >= 0) lastHead = head;
      if (lastHead !== undefined) this.set({ relay: settings.relayId }, lastHead);
    },
  });
  // Kafka watched in the background: one log line when it goes away, one when it returns.
  const link = new KafkaAdminLink(config.kafkaBrokers, 'rapport-relay-monitor');
  const kafkaMonitor = new DependencyMonitor({
    name: 'Kafka',
    probe: () => link.ping(),
    logger: { info: (m, f) => logger.info(f ?? {}, m), warn: (m, f) => logger.warn(f ?? {}, m) },
  }).start();
  new Gauge({
    name: 'rapport_relay_dependency_up',
    help: 'Whether the dependency answered the relay’s last probe (1) or not (0; also before its first answer), by dependency (kafka)',
    labelNames: ['dependency'],
    registers: [registry],
    collect() {
      this.set({ dependency: 'kafka' }, kafkaMonitor.state === 'up' ? 1 : 0);
    },
  });
  const metrics = await serveMetrics(registry, settings.metricsHost, settings.relayMetricsPort);
  logger.info({ log: log.description, topic: settings.topic, relayId: settings.relayId, metrics: `${metrics.url}/metrics` }, 'relay starting');

  const done = new Promise<number>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        logger.info(`${signal}: finishing the transaction in hand`);
        wake?.();
        const current = relay;
        (current ? current.stop() : Promise.resolve()).finally(() => resolve(0));
      });
    }
  });

  const supervise = async () => {
    for (let failures = 0; !stopping; ) {
      const current = new KafkaRelay(log.store, kafka, {
        topic: settings.topic,
        actionsTopic: settings.actionsTopic,
        relayId: settings.relayId,
        partitions: settings.partitions,
        logger: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
      });
      relay = current;
      try {
        await current.start();
        if (stopping) {
          await current.stop();
          return;
        }
        failures = 0;
        await current.finished();
        if (stopping) return;
      } catch (error) {
        if (stopping) return;
        failures++;
        restarts.inc();
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        // Kafka away: the monitor has said so once; each attempt of the outage is not news.
        const level = failures > 1 && kafkaMonitor.state === 'down' ? 'debug' : 'error';
        logger[level]({ error: error instanceof Error ? error.message : String(error), retryInMs: delay, failures }, 'relay failed; resuming from the committed checkpoint');
        await current.stop().catch(() => undefined);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  };
  void supervise();

  const code = await done;
  await metrics.close();
  await kafkaMonitor.stop();
  await link.close();
  await log.store.close();
  await tracing?.shutdown().catch(() => undefined);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError || error instanceof MessagingSettingsError
        ? `configuration error: ${error.message}`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    logger.error(message);
    process.exit(1);
  },
);

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
import { ConfigError, loadConfig } from '@rapport/config';
import { KafkaRelay, MessagingSettingsError, kafkaClient, messagingSettings, serveMetrics } from '@rapport/messaging';
import { openEventLog } from './event-log';

const logger = pino({ name: 'relay', level: process.env.RAPPORT_LOG_LEVEL?.trim() || 'info' });

async function main(): Promise<number> {
  const config = loadConfig();
  const settings = messagingSettings();
  const log = openEventLog(config);
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-relay', settings.kafkaLogLevel);

  let relay: KafkaRelay | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rapport_relay_' });
  const restarts = new Counter({ name: 'rapport_relay_restarts_total', help: 'Times the relay was rebuilt after a failure', registers: [registry] });
  new Gauge({
    name: 'rapport_relay_position',
    help: 'Log position of the last event published in a committed transaction',
    registers: [registry],
    collect() {
      this.set(relay?.position ?? -1);
    },
  });
  new Gauge({
    name: 'rapport_relay_log_head_position',
    help: 'Position of the last event in the log',
    registers: [registry],
    async collect() {
      this.set(await log.store.headPosition());
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
        logger.error({ error: error instanceof Error ? error.message : String(error), retryInMs: delay }, 'relay failed; resuming from the committed checkpoint');
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
  await log.store.close();
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

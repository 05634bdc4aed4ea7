// Distributed mode: Kafka and MongoDB watched in the background (a probe a
// second, each within RAPPORT_READY_PROBE_MS), so that the API says once when
// one goes away and once when it returns — not once per failed request — and
// readiness reads the broker's state without opening a connection per probe.
// Kafka is asked over one long-lived admin client with short timeouts
// (KafkaAdminLink), by the API only (the playbook-runner role does not use
// Kafka); MongoDB through the read models' own client. Embedded mode has
// neither.
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { CustomerReadModels } from '@rapport/application';
import { DependencyMonitor, type RapportConfig } from '@rapport/config';
import { KafkaAdminLink } from '@rapport/messaging';

export class DependencyHealth implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The broker, in distributed mode, where this process asks it (the API: `?consistentWith=`). */
  readonly kafka: DependencyMonitor | undefined;
  /** The read models' MongoDB, in distributed mode. */
  readonly mongodb: DependencyMonitor | undefined;
  private readonly link: KafkaAdminLink | undefined;

  constructor(config: RapportConfig, readModels: CustomerReadModels, options: { readonly watchKafka: boolean }) {
    if (config.mode !== 'distributed') return;
    const nest = new Logger('Dependencies');
    const logger = { info: (msg: string, fields?: Record<string, unknown>) => nest.log({ msg, ...fields }), warn: (msg: string, fields?: Record<string, unknown>) => nest.warn({ msg, ...fields }) };
    const timeoutMs = config.readyProbeMs;
    if (options.watchKafka) {
      const link = new KafkaAdminLink(config.kafkaBrokers, 'rapport-api-monitor', timeoutMs);
      this.link = link;
      this.kafka = new DependencyMonitor({ name: 'Kafka', probe: () => link.ping(), timeoutMs, logger });
    }
    this.mongodb = new DependencyMonitor({ name: 'MongoDB', probe: () => readModels.ping(), timeoutMs, logger });
  }

  onApplicationBootstrap(): void {
    this.kafka?.start();
    this.mongodb?.start();
  }

  /** Before the stores close, so closing them is not reported as an outage. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.kafka?.stop(), this.mongodb?.stop()]);
    await this.link?.close();
  }
}

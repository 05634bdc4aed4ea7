// The projector's Prometheus metrics. They answer from the moment the process
// starts — before its consumer has joined the group, and while Kafka or
// MongoDB do not answer: every collector asks within a time limit, never
// throws, and keeps the last value it knew (a value never known has no sample).
// Consumer lag is read from the broker at scrape time: the group's committed
// offsets against the partitions' ends, over a long-lived admin client of its
// own (KafkaAdminLink), so it is there before the consumer joins.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeLimit, type DependencyMonitor } from '@rapport/config';
import type { ChunkResult, DeadLetterKind, PartitionLag, ParkingLot } from '@rapport/messaging';

export interface ProjectorMetricsSources {
  /** The group's lag per partition (time-limited by the caller's admin link). */
  readonly lag: () => Promise<PartitionLag[]>;
  /** Kafka and MongoDB as this process's monitors see them. */
  readonly dependencies: { readonly kafka: DependencyMonitor; readonly mongodb: DependencyMonitor };
  readonly groupId: string;
  /** Time limit of each collector that asks a store. Default 1 s. */
  readonly collectMs?: number;
}

export class ProjectorMetrics {
  readonly registry = new Registry();
  private readonly messages: Counter<'partition'>;
  private readonly applied: Counter;
  private readonly deadLetters: Counter<'kind'>;
  private readonly lastApplied: Gauge<'group'>;
  private parking: ParkingLot | undefined;
  private lagRead: Promise<PartitionLag[] | undefined> | undefined;

  constructor(private readonly sources: ProjectorMetricsSources) {
    const limit = sources.collectMs ?? 1_000;
    collectDefaultMetrics({ register: this.registry, prefix: 'rapport_projector_' });
    this.messages = new Counter({
      name: 'rapport_projector_messages_total',
      help: 'Messages consumed and committed, by partition',
      labelNames: ['partition'],
      registers: [this.registry],
    });
    this.applied = new Counter({
      name: 'rapport_projector_events_applied_total',
      help: 'Events handed to the projections (a redelivered event is a no-op under the revision guard)',
      registers: [this.registry],
    });
    this.deadLetters = new Counter({
      name: 'rapport_projector_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by kind (malformed, projection_failed, held_back)',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.lastApplied = new Gauge({
      name: 'rapport_projector_last_applied_timestamp_seconds',
      help: 'When this process last committed a chunk of messages (Unix time); no sample before its first',
      labelNames: ['group'],
      registers: [this.registry],
    });
    const readLag = () => this.readLag();
    // Whether a value was ever read: until then a gauge without labels has no sample rather than a made-up 0.
    const known = { lag: false, parked: false };
    new Gauge({
      name: 'rapport_projector_consumer_lag',
      help: 'Messages of the topic not yet committed by the projector group, by partition (the last value read while Kafka does not answer)',
      labelNames: ['partition'],
      registers: [this.registry],
      async collect() {
        const lag = await readLag();
        if (!lag) return;
        known.lag = true;
        this.reset();
        for (const p of lag) this.set({ partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'rapport_projector_consumer_lag_total',
      help: 'Messages of the topic not yet committed by the projector group, all partitions (the last value read while Kafka does not answer)',
      registers: [this.registry],
      async collect() {
        const lag = await readLag();
        if (lag) this.set(lag.reduce((sum, p) => sum + p.lag, 0));
        else if (!known.lag) noSample(this);
      },
    });
    const parked = () => this.parking;
    new Gauge({
      name: 'rapport_projector_parked_customers',
      help: 'Customers whose events wait in the dead-letter topic until replay-dlq (the last value read while MongoDB does not answer)',
      registers: [this.registry],
      async collect() {
        const parking = parked();
        const list = parking ? await withTimeLimit(limit, () => parking.list(), 'parked customers').catch(() => undefined) : undefined;
        if (list) {
          known.parked = true;
          this.set(list.length);
        } else if (!known.parked) noSample(this);
      },
    });
    const { dependencies } = sources;
    new Gauge({
      name: 'rapport_projector_dependency_up',
      help: 'Whether the dependency answered this process’s last probe (1) or not (0; also before its first answer), by dependency (kafka, mongodb)',
      labelNames: ['dependency'],
      registers: [this.registry],
      collect() {
        for (const [name, monitor] of Object.entries(dependencies)) this.set({ dependency: name }, monitor.state === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rapport_projector_dependency_last_up_timestamp_seconds',
      help: 'When the dependency last answered this process’s probe (Unix time), by dependency; no sample before its first answer',
      labelNames: ['dependency'],
      registers: [this.registry],
      collect() {
        for (const [name, monitor] of Object.entries(dependencies)) {
          if (monitor.lastSuccessAt !== undefined) this.set({ dependency: name }, monitor.lastSuccessAt / 1000);
        }
      },
    });
  }

  /** The parked customers' store, once the process has opened it (until then the gauge has no sample). */
  attachParking(parking: ParkingLot | undefined): void {
    this.parking = parking;
  }

  observe(_topic: string, partition: number, result: ChunkResult): void {
    this.messages.inc({ partition: String(partition) }, result.messages);
    this.applied.inc(result.applied);
    this.lastApplied.set({ group: this.sources.groupId }, Date.now() / 1000);
    for (const [kind, count] of Object.entries(result.deadLettered) as [DeadLetterKind, number][]) {
      if (count > 0) this.deadLetters.inc({ kind }, count);
    }
  }

  /**
   * One read of the lag per scrape, shared by both lag gauges; undefined when Kafka did not answer.
   * Not asked while the monitor says Kafka is down: a broker that hangs (frozen, not gone) would
   * hold every scrape for the read's whole limit, for a value that cannot have changed.
   */
  private readLag(): Promise<PartitionLag[] | undefined> {
    if (this.sources.dependencies.kafka.state === 'down') return Promise.resolve(undefined);
    if (!this.lagRead) {
      this.lagRead = withTimeLimit(this.sources.collectMs ?? 1_000, () => this.sources.lag(), 'consumer lag')
        .catch(() => undefined)
        .finally(() => (this.lagRead = undefined));
    }
    return this.lagRead;
  }
}

/**
 * Leaves a gauge without labels with no sample: prom-client gives one a value of 0 from the start,
 * which here would read as "no lag" or "nothing parked" when nothing is known yet.
 */
function noSample(gauge: Gauge): void {
  const internals = gauge as unknown as { hashMap?: Record<string, unknown> };
  if (internals.hashMap) internals.hashMap = {};
}

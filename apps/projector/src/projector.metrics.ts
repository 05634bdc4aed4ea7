// The projector's Prometheus metrics. Consumer lag is read from the broker on
// each scrape: the group's committed offsets against the partitions' ends.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChunkResult, DeadLetterKind, PartitionLag, ParkingLot } from '@rapport/messaging';

export class ProjectorMetrics {
  readonly registry = new Registry();
  private readonly messages: Counter<'partition'>;
  private readonly applied: Counter;
  private readonly deadLetters: Counter<'kind'>;

  constructor(lag: () => Promise<PartitionLag[]>, parking: ParkingLot) {
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
    new Gauge({
      name: 'rapport_projector_consumer_lag',
      help: 'Messages of the topic not yet committed by the projector group, by partition',
      labelNames: ['partition'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const p of await lag()) this.set({ partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'rapport_projector_consumer_lag_total',
      help: 'Messages of the topic not yet committed by the projector group, all partitions',
      registers: [this.registry],
      async collect() {
        this.set((await lag()).reduce((sum, p) => sum + p.lag, 0));
      },
    });
    new Gauge({
      name: 'rapport_projector_parked_customers',
      help: 'Customers whose events wait in the dead-letter topic until replay-dlq',
      registers: [this.registry],
      async collect() {
        this.set((await parking.list()).length);
      },
    });
  }

  observe(_topic: string, partition: number, result: ChunkResult): void {
    this.messages.inc({ partition: String(partition) }, result.messages);
    this.applied.inc(result.applied);
    for (const [kind, count] of Object.entries(result.deadLettered) as [DeadLetterKind, number][]) {
      if (count > 0) this.deadLetters.inc({ kind }, count);
    }
  }
}

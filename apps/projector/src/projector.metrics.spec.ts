import { DependencyMonitor } from '@rapport/config';
import type { PartitionLag, ParkingLot } from '@rapport/messaging';
import { ProjectorMetrics } from './projector.metrics';

const never = <T>() => new Promise<T>(() => undefined);

function monitor(name: string, answers: () => boolean): DependencyMonitor {
  return new DependencyMonitor({ name, probe: async () => (answers() ? undefined : Promise.reject(new Error('down'))) });
}

describe('ProjectorMetrics', () => {
  it('answers when Kafka and MongoDB do not, within the collectors’ limit, keeping the last values read', async () => {
    let kafkaUp = true;
    const known: PartitionLag[] = [
      { partition: 0, end: 10, committed: 7, lag: 3 },
      { partition: 1, end: 5, committed: 5, lag: 0 },
    ];
    let lag: () => Promise<PartitionLag[]> = () => Promise.reject(new Error('Connection error'));
    let list: ParkingLot['list'] = async () => [];
    const kafka = monitor('Kafka', () => kafkaUp);
    const mongodb = monitor('MongoDB', () => true);
    const metrics = new ProjectorMetrics({ lag: () => lag(), dependencies: { kafka, mongodb }, groupId: 'g', collectMs: 50 });

    // Before anything is known: no lag, no parked count, no last applied, dependencies not up.
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^rapport_projector_dependency_up\{dependency="kafka"\} 0$/m);
    expect(text).not.toMatch(/^rapport_projector_last_applied_timestamp_seconds\{/m);
    expect(text).not.toMatch(/^rapport_projector_parked_customers \d/m);
    expect(text).not.toMatch(/^rapport_projector_consumer_lag(_total)?[ {]/m);

    await Promise.all([kafka.check(), mongodb.check()]);
    lag = async () => known;
    metrics.attachParking({ list: () => list() } as unknown as ParkingLot);
    metrics.observe('t', 0, { messages: 2, applied: 2, deadLettered: { malformed: 0, projection_failed: 0, held_back: 0 }, newlyParked: [] } as never);
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^rapport_projector_consumer_lag\{partition="0"\} 3$/m);
    expect(text).toMatch(/^rapport_projector_consumer_lag_total 3$/m);
    expect(text).toMatch(/^rapport_projector_parked_customers 0$/m);
    expect(text).toMatch(/^rapport_projector_dependency_up\{dependency="kafka"\} 1$/m);
    expect(text).toMatch(/^rapport_projector_last_applied_timestamp_seconds\{group="g"\} \d+(\.\d+)?$/m);

    // Kafka refuses (its monitor has not noticed yet), MongoDB hangs: the scrape still answers, with the last values.
    lag = () => Promise.reject(new Error('Connection error'));
    list = () => never();
    let started = Date.now();
    text = await metrics.registry.metrics();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(text).toMatch(/^rapport_projector_consumer_lag_total 3$/m);
    expect(text).toMatch(/^rapport_projector_parked_customers 0$/m);
    expect(text).toMatch(/^rapport_projector_dependency_up\{dependency="mongodb"\} 1$/m);

    // A lag read that hangs (a frozen broker) is given up on after the collectors' limit.
    lag = () => never();
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^rapport_projector_consumer_lag\{partition="0"\} 3$/m);

    // Once the monitor says Kafka is down, the lag is not asked at all: the scrape does not wait out the limit.
    kafkaUp = false;
    await kafka.check();
    let asked = 0;
    lag = () => {
      asked++;
      return never();
    };
    metrics.attachParking({ list: async () => [] } as unknown as ParkingLot);
    const slow = new ProjectorMetrics({ lag: () => lag(), dependencies: { kafka, mongodb }, groupId: 'g', collectMs: 5_000 });
    slow.attachParking({ list: async () => [] } as unknown as ParkingLot);
    started = Date.now();
    text = await slow.registry.metrics();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(asked).toBe(0);
    expect(text).toMatch(/^rapport_projector_dependency_up\{dependency="kafka"\} 0$/m);
    text = await metrics.registry.metrics();
    expect(asked).toBe(0);
    expect(text).toMatch(/^rapport_projector_consumer_lag_total 3$/m);
    expect(text).toMatch(/^rapport_projector_consumer_lag\{partition="0"\} 3$/m);

    // Kafka back: the lag is read again.
    kafkaUp = true;
    await kafka.check();
    lag = async () => [{ partition: 0, end: 12, committed: 12, lag: 0 }];
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^rapport_projector_consumer_lag_total 0$/m);
  });
});

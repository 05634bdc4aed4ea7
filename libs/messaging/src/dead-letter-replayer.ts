// `replay-dlq`: once the cause of a dead letter is fixed (a projection bug, a
// store-side limit), applies a parked customer's dead letters in revision
// order and unparks the customer.
//
// For each parked customer: read its park version, scan the dead-letter topic
// from the start to its end as of now, keep that customer's readable events
// (deduplicated by revision: a crash may have dead-lettered one twice), apply
// them through the same sink as the projector (the revision guard skips what
// the read models already hold), then unpark only at the version read first.
// If the live projector parked another event meanwhile, the unpark fails and
// the scan runs again, so nothing dead-lettered is ever left behind unparked.
import type { Kafka } from 'kafkajs';
import type { RecordedEvent } from '@rapport/event-store';
import { fromCustomerEventMessage, type ReceivedMessage } from './customer-event.message';
import { DLQ_HEADER } from './dead-letter';
import { ephemeralGroupId } from './kafka-projector';
import type { ParkingLot } from './parking-lot';
import { describe, ProjectionFailure, type ProjectionSink } from './projector-core';
import { header } from './customer-event.message';

export interface ReplayOptions {
  /** Drop dead letters that cannot be read at all (their event is lost to the read models) instead of stopping. */
  readonly skipUnreadable?: boolean;
}

export type ReplayStatus = 'unparked' | 'still_failing' | 'unreadable' | 'not_parked' | 'busy';

export interface ReplayReport {
  readonly customerId: string;
  readonly status: ReplayStatus;
  /** Distinct events handed to the sink (revision-guarded). */
  readonly applied: number;
  /** Unreadable dead letters skipped (with skipUnreadable). */
  readonly skipped: number;
  readonly error?: string;
  readonly revision?: number;
}

export interface DeadLetterReplayerOptions {
  readonly deadLetterTopic: string;
  /** Longest a scan of the dead-letter topic may take. Default 120 s. */
  readonly scanTimeoutMs?: number;
  /** Scans before giving up on a customer the projector keeps parking. Default 5. */
  readonly maxRounds?: number;
}

export class DeadLetterReplayer {
  constructor(
    private readonly kafka: Kafka,
    private readonly sink: ProjectionSink,
    private readonly parking: ParkingLot,
    private readonly options: DeadLetterReplayerOptions,
  ) {}

  /** Replays one customer, or every parked customer when none is named. */
  async replay(customerId?: string, options: ReplayOptions = {}): Promise<ReplayReport[]> {
    const targets = customerId !== undefined ? [customerId] : (await this.parking.list()).map((p) => p.customerId);
    const reports = new Map<string, ReplayReport>();
    let pending = targets;
    for (let round = 0; round < (this.options.maxRounds ?? 5) && pending.length > 0; round++) {
      const versions = new Map<string, number>();
      for (const id of pending) {
        const parked = await this.parking.get(id);
        if (parked) versions.set(id, parked.version);
        else reports.set(id, { customerId: id, status: 'not_parked', applied: 0, skipped: 0 });
      }
      if (versions.size === 0) break;
      // The scan starts after the versions were read: everything dead-lettered before them is in it.
      const letters = await this.scan(new Set(versions.keys()));
      const again: string[] = [];
      for (const [id, version] of versions) {
        const report = await this.replayOne(id, letters.get(id) ?? [], options);
        if (report.status !== 'unparked') {
          reports.set(id, report);
          continue;
        }
        if (await this.parking.unpark(id, version)) reports.set(id, report);
        else {
          reports.set(id, { ...report, status: 'busy', error: 'parked again while replaying' });
          again.push(id);
        }
      }
      pending = again;
    }
    return targets.map((id) => reports.get(id) ?? { customerId: id, status: 'not_parked', applied: 0, skipped: 0 });
  }

  private async replayOne(customerId: string, messages: readonly ReceivedMessage[], options: ReplayOptions): Promise<ReplayReport> {
    const byRevision = new Map<number, RecordedEvent>();
    let skipped = 0;
    for (const message of messages) {
      let event: RecordedEvent;
      try {
        event = fromCustomerEventMessage(message);
      } catch (error) {
        if (options.skipUnreadable) {
          skipped++;
          continue;
        }
        return {
          customerId,
          status: 'unreadable',
          applied: 0,
          skipped,
          error: `dead letter at original offset ${header(message, DLQ_HEADER.originalPartition)}/${header(message, DLQ_HEADER.originalOffset)} cannot be read (${describe(error)}); rerun with --skip-unreadable to drop it`,
        };
      }
      if (!byRevision.has(event.revision)) byRevision.set(event.revision, event);
    }
    const events = [...byRevision.values()].sort((a, b) => a.revision - b.revision);
    try {
      await this.sink.apply(events);
      return { customerId, status: 'unparked', applied: events.length, skipped };
    } catch (error) {
      if (!(error instanceof ProjectionFailure)) throw error;
    }
    // Apply what precedes the bad event, so the read models move as far as they can.
    let applied = 0;
    for (const event of events) {
      try {
        await this.sink.apply([event]);
        applied++;
      } catch (error) {
        if (!(error instanceof ProjectionFailure)) throw error;
        return { customerId, status: 'still_failing', applied, skipped, revision: event.revision, error: describe(error) };
      }
    }
    return { customerId, status: 'unparked', applied, skipped };
  }

  /** Reads the dead-letter topic from the start to its current end; returns the letters of these customers, in offset order. */
  async scan(customers: ReadonlySet<string>): Promise<Map<string, ReceivedMessage[]>> {
    const topic = this.options.deadLetterTopic;
    const found = new Map<string, ReceivedMessage[]>();
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return found;
      ends = new Map(
        (await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
      );
    } finally {
      await admin.disconnect();
    }
    if (ends.size === 0) return found;

    const groupId = ephemeralGroupId('dlq-replay');
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
    const remaining = new Set(ends.keys());
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`dead-letter scan of ${topic} did not reach its end within ${this.options.scanTimeoutMs ?? 120_000} ms`)),
          this.options.scanTimeoutMs ?? 120_000,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) return;
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                const key = message.key?.toString();
                if (key !== undefined && customers.has(key)) {
                  const list = found.get(key) ?? [];
                  list.push(message);
                  found.set(key, list);
                }
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) {
                remaining.delete(batch.partition);
                if (remaining.size === 0) {
                  clearTimeout(timer);
                  resolve();
                }
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      const cleanup = this.kafka.admin();
      await cleanup
        .connect()
        .then(() => cleanup.deleteGroups([groupId]))
        .catch(() => undefined)
        .finally(() => cleanup.disconnect().catch(() => undefined));
    }
    return found;
  }
}

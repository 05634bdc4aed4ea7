// How far the distributed read models have got, in log positions, for the
// API's `?consistentWith=<token>` (a token names the log position a write
// reached). Two facts from Kafka decide it, no projector cooperation needed:
//   1. the relay has published through position p when its checkpoint (the
//      committed offset of its checkpoint group, moved in the same transaction
//      as the messages) is >= p;
//   2. at that moment every event up to p lies below the topic's current end
//      offsets; once the projectors' group has committed offsets at or past
//      those ends on every partition, every event up to p has been written to
//      the read models (the projector commits only after writing).
// So read models reflect p (as embedded mode promises: every event up to p,
// whichever customer) once (2) holds for an end-offset snapshot taken after (1).
// An event of a parked customer counts as passed: it waits in the dead-letter
// topic, which the projector's metrics and logs report.
import type { Admin, Kafka } from 'kafkajs';
import { CUSTOMER_EVENTS_TOPIC } from './customer-event.message';
import { CHECKPOINT_TOPIC, relayCheckpointGroup } from './kafka-relay';

export interface KafkaReadProgressOptions {
  readonly topic?: string;
  readonly relayId?: string;
  readonly projectorGroup?: string;
  /** Poll interval while a read waits. Default 50 ms. */
  readonly pollMs?: number;
  /** Poll interval when no read waits (keeps `position` fresh for metrics). Default 2 s. */
  readonly idlePollMs?: number;
  readonly onError?: (error: unknown) => void;
}

interface Waiter {
  readonly position: number;
  /** End offsets snapshot taken once the relay had published `position`. */
  ends?: Map<number, bigint>;
  readonly resolve: (reached: boolean) => void;
}

export class KafkaReadProgress {
  private admin: Admin | undefined;
  private waiters: Waiter[] = [];
  private reflected = -1;
  private advancedAt: Date | undefined;
  private connected = false;
  private adminConnected = false;
  private outageReported = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** For `position`: the relay checkpoint seen at a poll and the ends snapshotted with it. */
  private candidate: { position: number; ends: Map<number, bigint> } | undefined;
  private readonly topic: string;
  private readonly relayGroup: string;
  private readonly projectorGroup: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaReadProgressOptions = {},
  ) {
    this.topic = options.topic ?? CUSTOMER_EVENTS_TOPIC;
    this.relayGroup = relayCheckpointGroup(options.relayId ?? 'rapport-relay');
    this.projectorGroup = options.projectorGroup ?? 'rapport-projector';
  }

  /** The highest log position known to be reflected by the read models (-1 before the first poll). */
  get position(): number {
    return this.reflected;
  }

  /** True while the last poll of Kafka succeeded. */
  get healthy(): boolean {
    return this.connected;
  }

  /** When `position` was first read or last moved forward; undefined until a poll has succeeded. */
  get lastAdvancedAt(): Date | undefined {
    return this.advancedAt;
  }

  /** Starts polling; a broker that is not reachable yet only delays the answers. */
  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters = [];
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** Resolves true once every event up to `position` is in the read models, false on timeout or stop. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= this.reflected || position < 0) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve: (reached) => {
          clearTimeout(timeout);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(reached);
        },
      };
      const timeout = setTimeout(() => waiter.resolve(position <= this.reflected), timeoutMs);
      this.waiters.push(waiter);
      this.schedule(0);
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.polling) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedule(this.waiters.length > 0 ? (this.options.pollMs ?? 50) : (this.options.idlePollMs ?? 2000));
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    try {
      const admin = this.admin!;
      if (!this.adminConnected) {
        await admin.connect();
        this.adminConnected = true;
      }
      const published = await this.relayCheckpoint(admin);
      const newCandidate = !this.candidate && published > this.reflected;
      const snapshot = published >= 0 && (newCandidate || this.waiters.some((w) => !w.ends && w.position <= published));
      const ends = snapshot ? await this.endOffsets(admin) : undefined;
      if (ends) {
        for (const waiter of this.waiters) if (!waiter.ends && waiter.position <= published) waiter.ends = ends;
        if (newCandidate) this.candidate = { position: published, ends };
      }
      const committed = await this.committedOffsets(admin);
      if (this.candidate && covers(committed, this.candidate.ends)) {
        if (this.candidate.position > this.reflected) this.advancedAt = new Date();
        this.reflected = Math.max(this.reflected, this.candidate.position);
        this.candidate = undefined;
      }
      this.advancedAt ??= new Date();
      for (const waiter of [...this.waiters]) {
        if (waiter.position <= this.reflected || (waiter.ends && covers(committed, waiter.ends))) waiter.resolve(true);
      }
      this.connected = true;
      this.outageReported = false;
    } catch (error) {
      // Reported once per outage, not on every poll.
      if (this.connected || !this.outageReported) this.options.onError?.(error);
      this.outageReported = true;
      this.connected = false;
    }
  }

  private async relayCheckpoint(admin: Admin): Promise<number> {
    const offsets = await admin.fetchOffsets({ groupId: this.relayGroup, topics: [CHECKPOINT_TOPIC] });
    const offset = offsets[0]?.partitions[0]?.offset;
    return offset === undefined || Number(offset) < 0 ? -1 : Number(offset);
  }

  private async endOffsets(admin: Admin): Promise<Map<number, bigint>> {
    return new Map((await admin.fetchTopicOffsets(this.topic)).map((p) => [p.partition, BigInt(p.high)]));
  }

  /** The projectors' committed offsets; a partition never committed counts as its start (0 or the log start). */
  private async committedOffsets(admin: Admin): Promise<Map<number, bigint>> {
    const groups = await admin.fetchOffsets({ groupId: this.projectorGroup, topics: [this.topic] });
    return new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }
}

function covers(committed: ReadonlyMap<number, bigint>, ends: ReadonlyMap<number, bigint>): boolean {
  for (const [partition, end] of ends) {
    if (end === 0n) continue;
    const at = committed.get(partition);
    if (at === undefined || at < end) return false;
  }
  return true;
}

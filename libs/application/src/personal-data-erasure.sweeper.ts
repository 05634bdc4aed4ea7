// Finishes erasures whose keys were not destroyed when they were recorded (the
// key store failed, or the process died between the two steps): SPEC section 8,
// "Rapport finishes it by itself (at start and periodically)".
//
// It reads the log from a checkpoint kept in the key store, so each sweep reads
// only what was recorded since the last one, and for every personal_data_erased
// destroys the customer's keys made for revisions up to it. Keys made later
// (personal data recorded after the erasure) are not touched. The checkpoint
// only moves past an erasure once it is finished, so one the key store still
// refuses is tried again at the next sweep. Sweeps of several processes may
// overlap: destroying is idempotent and the checkpoint never moves back.
import type { StructuredLogger } from '@rapport/config';
import type { EventStore, KeyStore } from '@rapport/event-store';

export interface ErasureSweeperOptions {
  /** Between sweeps (RAPPORT_ERASURE_SWEEP_MS). Default a minute. */
  readonly intervalMs?: number;
  /** Events read from the log at a time. */
  readonly pageSize?: number;
  readonly logger?: StructuredLogger;
}

export interface SweepResult {
  /** Erasures whose keys this sweep destroyed. */
  readonly finished: number;
  readonly keysDestroyed: number;
  /** Log position up to which every erasure is now finished. */
  readonly position: number;
}

export class ErasureSweeper {
  private readonly intervalMs: number;
  private readonly pageSize: number;
  /** Where the first sweep ever starts when the key store has no checkpoint yet. */
  private origin: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private inFlight: Promise<SweepResult> | undefined;

  constructor(
    /** The bare log: the sweep needs ids and revisions, never opened fields. */
    private readonly log: EventStore,
    private readonly keys: KeyStore,
    private readonly options: ErasureSweeperOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.pageSize = options.pageSize ?? 1_000;
  }

  /**
   * Fixes where the sweeps start, then sweeps now (in the background) and every
   * interval. Without a checkpoint (the first start on this key store) they
   * start at the log's head: erasures recorded before then are left to DELETE
   * (keys of earlier versions cannot tell which erasure they predate).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      if ((await this.keys.sweptThrough()) === undefined) {
        this.origin = await this.log.headPosition();
        await this.keys.markSweptThrough(this.origin).catch(() => undefined);
      }
    } catch (error) {
      // The API serves without its log or key store for a while; the first sweep that reaches them sets the start.
      this.options.logger?.warn('erasure sweep: cannot tell where to start yet', { error: error instanceof Error ? error.message : String(error) });
    }
    void this.sweepThenWait();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
  }

  /** The interval runs from the end of a sweep: one the key store keeps waiting never leaves the next due at once. */
  private async sweepThenWait(): Promise<void> {
    await this.sweepLogged();
    if (!this.started) return;
    this.timer = setTimeout(() => void this.sweepThenWait(), this.intervalMs);
    this.timer.unref();
  }

  /** One sweep; a call during a sweep gets that sweep. Throws when an erasure could not be finished. */
  sweep(): Promise<SweepResult> {
    this.inFlight ??= this.sweepOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async sweepLogged(): Promise<void> {
    try {
      const result = await this.sweep();
      if (result.finished > 0) this.options.logger?.info('finished pending erasures', { ...result });
    } catch (error) {
      this.options.logger?.warn('erasure sweep failed; pending erasures are tried again at the next sweep', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async sweepOnce(): Promise<SweepResult> {
    // Without start() (a one-off sweep) and without a checkpoint: the whole log.
    const start = (await this.keys.sweptThrough()) ?? this.origin ?? (this.started ? (this.origin = await this.log.headPosition()) : -1);
    let position = start;
    let finished = 0;
    let keysDestroyed = 0;
    for (;;) {
      const page = await this.log.readAll({ after: position, maxCount: this.pageSize });
      for (const event of page) {
        // Checked first: an erasure already finished costs a read, not a write.
        if (event.type === 'personal_data_erased' && (await this.keys.holdsKeysThrough(event.customerId, event.revision))) {
          keysDestroyed += await this.keys.destroyKeys(event.customerId, event.revision);
          finished += 1;
        }
        position = event.position;
      }
      // Only after a whole page: when a destruction failed, the key store most likely refuses this write too
      // (a held lock would make it wait once more), and the next sweep reads those events again instead.
      if (page.length > 0) await this.keys.markSweptThrough(position);
      if (page.length < this.pageSize) break;
    }
    return { finished, keysDestroyed, position };
  }
}

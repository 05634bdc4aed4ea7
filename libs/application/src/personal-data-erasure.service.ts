// The right to be forgotten: record the decision in the customer's stream, then
// destroy the keys that sealed the personal data, i.e. every key made for a
// revision up to the erasure's. In that order: an append racing the erasure is
// either recorded before it (its key goes) or re-decided after it (and sealed
// with a key made later). When the destruction fails after the event is
// recorded, the erasure is pending: the answer says so, and the sweep
// (ErasureSweeper) or asking again finishes it.
import type { EventMetadata } from '@rapport/domain';
import type { PersonalDataVault } from '@rapport/event-store';
import type { Clock, CustomerCommands, RecordOutcome } from './customer-commands.service';

export type ErasureOutcome = RecordOutcome & {
  readonly keysDestroyed?: number;
  /** Recorded, but its keys are not destroyed yet: they are still there, and the sweep will destroy them. */
  readonly pending?: true;
};

export interface PersonalDataErasureOptions {
  /** Told why the keys of a recorded erasure could not be destroyed (the answer itself only says pending). */
  readonly onPending?: (customerId: string, revision: number, error: unknown) => void;
}

export class PersonalDataErasure {
  constructor(
    private readonly commands: CustomerCommands,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
    private readonly options: PersonalDataErasureOptions = {},
  ) {}

  async erase(customerId: string, metadata: EventMetadata = {}): Promise<ErasureOutcome> {
    const outcome = await this.commands.record({
      customerId,
      type: 'personal_data_erased',
      data: {},
      occurredAt: this.clock.now().toISOString(),
      metadata,
    });
    if (outcome.status === 'rejected') return outcome;
    // A duplicate is the latest erasure itself (nothing personal since): finishing it is what asking again is for.
    const erasure = outcome.status === 'duplicate' ? outcome.event : outcome.events[0]!;
    try {
      return { ...outcome, keysDestroyed: await this.vault.erase(customerId, erasure.revision) };
    } catch (error) {
      this.options.onPending?.(customerId, erasure.revision, error);
      return { ...outcome, keysDestroyed: 0, pending: true };
    }
  }
}

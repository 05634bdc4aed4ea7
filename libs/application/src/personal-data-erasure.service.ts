// The right to be forgotten: record the decision in the customer's stream, then
// destroy the keys that sealed the personal data. In that order: an append
// racing the erasure is sealed with a key about to be destroyed, so the race
// errs on the side of erasing. Asking again is safe and destroys any key a
// crash left behind.
import type { EventMetadata } from '@rapport/domain';
import type { PersonalDataVault } from '@rapport/event-store';
import type { Clock, CustomerCommands, RecordOutcome } from './customer-commands.service';

export type ErasureOutcome = RecordOutcome & { readonly keysDestroyed?: number };

export class PersonalDataErasure {
  constructor(
    private readonly commands: CustomerCommands,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
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
    return { ...outcome, keysDestroyed: await this.vault.erase(customerId) };
  }
}

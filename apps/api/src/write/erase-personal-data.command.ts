import { Command } from '@nestjs/cqrs';
import type { ErasureOutcome } from '@rapport/application';

export class ErasePersonalDataCommand extends Command<ErasureOutcome> {
  constructor(
    readonly customerId: string,
    /** The administrator asking, from the credential. */
    readonly actor: string,
  ) {
    super();
  }
}

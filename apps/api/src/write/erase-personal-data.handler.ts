import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PersonalDataErasure, type ErasureOutcome } from '@rapport/application';
import { ErasePersonalDataCommand } from './erase-personal-data.command';

@CommandHandler(ErasePersonalDataCommand)
export class ErasePersonalDataHandler implements ICommandHandler<ErasePersonalDataCommand> {
  constructor(@Inject(PersonalDataErasure) private readonly erasure: PersonalDataErasure) {}

  execute({ customerId, actor }: ErasePersonalDataCommand): Promise<ErasureOutcome> {
    return this.erasure.erase(customerId, { actor, source: 'rapport/personal-data-erasure' });
  }
}

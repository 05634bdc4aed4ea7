import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CustomerCommands, type RecordOutcome } from '@rapport/application';
import { RecordEventCommand } from './record-event.command';
import { MetricsService } from '../operations/metrics.service';

@CommandHandler(RecordEventCommand)
export class RecordEventHandler implements ICommandHandler<RecordEventCommand> {
  constructor(
    @Inject(CustomerCommands) private readonly commands: CustomerCommands,
    private readonly metrics: MetricsService,
  ) {}

  async execute({ input, expectedRevision, actor }: RecordEventCommand): Promise<RecordOutcome> {
    const outcome = await this.commands.record(
      { ...input, metadata: { ...input.metadata, actor } },
      expectedRevision === undefined ? {} : { expectedRevision },
    );
    this.metrics.countOutcome(outcome);
    return outcome;
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CustomerCommands, type EventInput, type RecordOutcome } from '@rapport/application';
import { StorageFullError } from '@rapport/event-store';
import { RecordBatchCommand, type BatchItemResult } from './record-event.command';
import { MetricsService } from '../operations/metrics.service';

/**
 * Items of one customer are decided in order and appended together; customers
 * are independent, so one bad item never rejects another's. On a full disk a
 * customer's items fail whole (STORAGE_FULL); when that leaves nothing of the
 * batch recorded, the whole answer is 507, else each item says what became of it.
 */
@CommandHandler(RecordBatchCommand)
export class RecordBatchHandler implements ICommandHandler<RecordBatchCommand> {
  constructor(
    @Inject(CustomerCommands) private readonly commands: CustomerCommands,
    private readonly metrics: MetricsService,
  ) {}

  async execute({ items, actor }: RecordBatchCommand): Promise<BatchItemResult[]> {
    const results: BatchItemResult[] = new Array(items.length);
    const byCustomer = new Map<string, { index: number; input: EventInput }[]>();
    let storageFull: StorageFullError | undefined;
    for (const item of items) {
      if ('invalid' in item) {
        this.metrics.countInvalid();
        results[item.index] = {
          index: item.index,
          eventId: item.eventId ?? null,
          status: 'rejected',
          error: item.reserved
            ? { code: 'RESERVED_EVENT_TYPE', message: 'the event type is recorded only by Rapport itself', errors: item.invalid }
            : { code: 'VALIDATION_FAILED', message: 'the event has invalid fields', errors: item.invalid },
        };
        continue;
      }
      const group = byCustomer.get(item.input.customerId) ?? [];
      group.push({ index: item.index, input: { ...item.input, metadata: { ...item.input.metadata, actor } } });
      byCustomer.set(item.input.customerId, group);
    }
    // Every customer's state read in a few reads for the batch, not a few per customer.
    const prefetched = await this.commands.prefetch([...byCustomer.keys()]);
    await Promise.all(
      [...byCustomer].map(async ([customerId, group]) => {
        let outcomes: RecordOutcome[];
        try {
          outcomes = await this.commands.recordAll(
            customerId,
            group.map((g) => g.input),
            {},
            prefetched,
          );
        } catch (error) {
          if (!(error instanceof StorageFullError)) throw error;
          storageFull = error;
          for (const { index, input } of group) results[index] = { index, eventId: input.eventId ?? null, status: 'rejected', error: STORAGE_FULL };
          return;
        }
        outcomes.forEach((outcome, i) => {
          const { index, input } = group[i]!;
          this.metrics.countOutcome(outcome);
          results[index] = toResult(index, input.eventId, outcome);
        });
      }),
    );
    if (storageFull && !results.some((r) => r.status === 'recorded')) throw storageFull;
    return results;
  }
}

const STORAGE_FULL = { code: 'STORAGE_FULL', message: 'the disk is full: no item of this customer was recorded; retry once space is freed' } as const;

function toResult(index: number, eventId: string | undefined, outcome: RecordOutcome): BatchItemResult {
  switch (outcome.status) {
    case 'recorded': {
      const first = outcome.events[0]!;
      const last = outcome.events[outcome.events.length - 1]!;
      return { index, eventId: first.eventId, status: 'recorded', revision: first.revision, position: last.position };
    }
    case 'duplicate':
      return { index, eventId: outcome.event.eventId, status: 'duplicate', revision: outcome.event.revision, position: outcome.event.position };
    case 'rejected':
      return { index, eventId: eventId ?? null, status: 'rejected', error: { code: outcome.code, message: outcome.message } };
  }
}

import { Prefetched, type CustomerCommands, type EventInput, type RecordOutcome } from '@rapport/application';
import { StorageFullError, type RecordedEvent } from '@rapport/event-store';
import { MetricsService } from '../operations/metrics.service';
import { RecordBatchCommand, type BatchItem } from './record-event.command';
import { RecordBatchHandler } from './record-batch.handler';

/** Customers whose appends the disk refuses; the others record every item. */
function commandsRefusing(full: readonly string[]): CustomerCommands {
  let position = 0;
  return {
    async prefetch() {
      return new Prefetched(new Map());
    },
    async recordAll(customerId: string, inputs: readonly EventInput[]): Promise<RecordOutcome[]> {
      if (full.includes(customerId)) throw new StorageFullError('/data/events.sqlite');
      return inputs.map((input, revision) => {
        const event = { eventId: input.eventId!, customerId, revision, position: position++ } as RecordedEvent;
        return { status: 'recorded', events: [event], revision };
      });
    },
  } as unknown as CustomerCommands;
}

const item = (index: number, customerId: string): BatchItem =>
  ({ index, input: { customerId, eventId: `e${index}`, type: 'contacted', occurredAt: '2026-01-01T00:00:00Z', data: { channel: 'email', direction: 'outbound' } } }) as unknown as BatchItem;

describe('RecordBatchHandler on a full disk', () => {
  const items = [item(0, 'a'), item(1, 'b'), item(2, 'a')];

  it('says per item which customers the disk refused when others were recorded', async () => {
    const results = await new RecordBatchHandler(commandsRefusing(['b']), new MetricsService()).execute(new RecordBatchCommand(items, 'tester'));
    expect(results.map((r) => [r.index, r.eventId, r.status, r.error?.code])).toEqual([
      [0, 'e0', 'recorded', undefined],
      [1, 'e1', 'rejected', 'STORAGE_FULL'],
      [2, 'e2', 'recorded', undefined],
    ]);
  });

  it('fails whole with StorageFullError (507) when nothing of the batch was recorded', async () => {
    const handler = new RecordBatchHandler(commandsRefusing(['a', 'b']), new MetricsService());
    await expect(handler.execute(new RecordBatchCommand(items, 'tester'))).rejects.toBeInstanceOf(StorageFullError);
  });
});

import type { RecordedEvent } from '@rapport/event-store';
import { toCustomerEventMessage } from './customer-event.message';
import { DLQ_HEADER, toDeadLetterMessage, type DeadLetter } from './dead-letter';
import { InMemoryParkingLot } from './parking-lot';
import { ProjectionFailure, ProjectorCore, type IncomingMessage, type ProjectionSink } from './projector-core';

function event(customerId: string, revision: number, data: unknown = { channel: 'email', direction: 'outbound' }): RecordedEvent {
  return {
    eventId: `${customerId}-${revision}`,
    type: 'contacted',
    customerId,
    occurredAt: '2026-01-01T00:00:00Z',
    recordedAt: '2026-01-01T00:00:00.000Z',
    revision,
    position: 0,
    data,
    metadata: {},
    hash: '00'.repeat(32),
  };
}

let offset = 0;
function incoming(e: RecordedEvent): IncomingMessage {
  const m = toCustomerEventMessage(e);
  return { key: Buffer.from(m.key), value: Buffer.from(m.value), headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])), offset: String(offset++) };
}

/** Applies with a revision guard; an event whose data is null "crashes the projection". */
class FakeSink implements ProjectionSink {
  readonly revisions = new Map<string, number>();
  calls = 0;
  storeDown = false;
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    this.calls++;
    if (this.storeDown) throw new Error('connection refused');
    const next = new Map(this.revisions);
    for (const e of events) {
      if (e.data === null) throw new ProjectionFailure('projection failed', { cause: new TypeError("Cannot read properties of null (reading 'channel')") });
      if ((next.get(e.customerId) ?? -1) < e.revision) next.set(e.customerId, e.revision);
    }
    for (const [k, v] of next) this.revisions.set(k, v);
  }
}

function setup() {
  const sink = new FakeSink();
  const parking = new InMemoryParkingLot();
  const letters: DeadLetter[] = [];
  const core = new ProjectorCore(sink, parking, { publish: async (l) => void letters.push(...l) });
  return { sink, parking, letters, core };
}

describe('the projector core', () => {
  it('applies a chunk and is idempotent when the same chunk comes again', async () => {
    const { sink, core, letters } = setup();
    const chunk = [incoming(event('a', 0)), incoming(event('b', 0)), incoming(event('a', 1))];
    await core.handle('t', 0, chunk);
    await core.handle('t', 0, chunk);
    expect(Object.fromEntries(sink.revisions)).toEqual({ a: 1, b: 0 });
    expect(letters).toHaveLength(0);
  });

  it('dead-letters a poison event, holds back only that customer, and keeps it parked', async () => {
    const { sink, core, letters, parking } = setup();
    const result = await core.handle('t', 3, [
      incoming(event('a', 0)),
      incoming(event('b', 0)),
      incoming(event('a', 1, null)),
      incoming(event('b', 1)),
      incoming(event('a', 2)),
    ]);
    expect(Object.fromEntries(sink.revisions)).toEqual({ a: 0, b: 1 });
    expect(letters.map((l) => [l.kind, l.message.key?.toString(), l.offset])).toEqual([
      ['projection_failed', 'a', expect.any(String)],
      ['held_back', 'a', expect.any(String)],
    ]);
    expect(letters[0]!.error).toMatch(/Cannot read properties of null/);
    expect(result.newlyParked).toEqual(['a']);
    expect(await parking.get('a')).toMatchObject({ kind: 'projection_failed', sinceRevision: 1, deadLettered: 2 });

    // A later chunk: a's events keep waiting, b's flow.
    await core.handle('t', 3, [incoming(event('a', 3)), incoming(event('b', 2))]);
    expect(Object.fromEntries(sink.revisions)).toEqual({ a: 0, b: 2 });
    expect(letters.at(-1)).toMatchObject({ kind: 'held_back' });
    expect(await parking.get('a')).toMatchObject({ version: 2, deadLettered: 3 });
  });

  it('dead-letters an unreadable message and parks the customer its key names', async () => {
    const { sink, core, letters, parking } = setup();
    const bad: IncomingMessage = { key: Buffer.from('c'), value: Buffer.from('{not json'), headers: {}, offset: '7' };
    const keyless: IncomingMessage = { key: null, value: Buffer.from('??'), headers: {}, offset: '8' };
    await core.handle('t', 0, [bad, keyless, incoming(event('c', 1)), incoming(event('d', 0))]);
    expect(letters.map((l) => l.kind)).toEqual(['malformed', 'malformed', 'held_back']);
    expect(await parking.parkedAmong(['c', 'd'])).toEqual(new Set(['c']));
    expect(Object.fromEntries(sink.revisions)).toEqual({ d: 0 });
  });

  it('lets a store failure through, writing no dead letter, so the chunk is retried', async () => {
    const { sink, core, letters } = setup();
    sink.storeDown = true;
    await expect(core.handle('t', 0, [incoming(event('a', 0))])).rejects.toThrow('connection refused');
    expect(letters).toHaveLength(0);
    sink.storeDown = false;
    await core.handle('t', 0, [incoming(event('a', 0))]);
    expect(sink.revisions.get('a')).toBe(0);
  });

  it('keeps the original message in a dead letter and adds the reason headers', () => {
    const original = incoming(event('a', 4));
    const message = toDeadLetterMessage({ message: original, kind: 'projection_failed', error: 'boom', topic: 't', partition: 2, offset: '41' }, 'g', new Date('2026-01-01T00:00:00Z'));
    expect(message.key).toEqual(original.key);
    expect(message.value).toEqual(original.value);
    expect(message.headers).toMatchObject({
      ce_id: Buffer.from('a-4'),
      rapport_revision: Buffer.from('4'),
      [DLQ_HEADER.error]: 'boom',
      [DLQ_HEADER.kind]: 'projection_failed',
      [DLQ_HEADER.originalTopic]: 't',
      [DLQ_HEADER.originalPartition]: '2',
      [DLQ_HEADER.originalOffset]: '41',
      [DLQ_HEADER.deadLetteredAt]: '2026-01-01T00:00:00.000Z',
    });
  });
});

import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { exportAudit } from './export.command';

async function collect(run: (out: PassThrough) => Promise<unknown>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await run(out);
  out.end();
  return text;
}

describe('rapport export', () => {
  it('writes every recorded event as JSON lines or CSV, bounded by record time', async () => {
    let clock = new Date('2026-02-01T00:00:00Z');
    const store = SqliteEventStore.open(':memory:', { clock: () => clock });
    const event = (n: number) => ({ eventId: randomUUID(), type: 'contacted' as const, occurredAt: '2026-01-01T00:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId: `c${n}` }, metadata: {} });
    await store.append('a', [event(1), event(2)], 'no_stream');
    clock = new Date('2026-03-01T00:00:00Z');
    await store.append('b', [event(3)], 'no_stream');

    const jsonl = await collect((output) => exportAudit({ eventStore: store, format: 'jsonl', output }));
    expect(jsonl.trimEnd().split('\n').map((l) => JSON.parse(l).data.campaignId)).toEqual(['c1', 'c2', 'c3']);

    const csv = await collect((output) => exportAudit({ eventStore: store, format: 'csv', output, from: new Date('2026-02-15T00:00:00Z') }));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('position,stream,customerId,revision,eventId,type,occurredAt,recordedAt,data,metadata,hash,personalData,schemaVersion');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('customer-b,b,0,');

    const summary = await exportAudit({ eventStore: store, format: 'jsonl', output: new PassThrough(), to: new Date('2026-02-01T00:00:00Z') });
    expect(summary.events).toBe(2);
    await store.close();
  });
});

import { latenciesOf } from './playbook-latency';

const event = (type: string, customerId: string, occurredAt: string, recordedAt: string, actionId = `sla/1/${customerId}/1/1`) => ({
  type,
  customerId,
  occurredAt,
  recordedAt,
  data: { actionId },
});

describe('playbook firing latency from the log', () => {
  it('measures recordedAt − occurredAt of the measured action_requested only', () => {
    const result = latenciesOf(
      [
        event('playbook_enrolled', 'due-1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.010Z'),
        event('action_requested', 'due-1', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:20.180Z'),
        event('action_requested', 'due-2', '2026-01-01T00:00:21.000Z', '2026-01-01T00:00:21.950Z'),
        event('action_requested', 'warm-1', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:09.000Z'),
        event('playbook_exited', 'due-1', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:20.180Z'),
      ],
      (id) => id.startsWith('due-'),
      (id) => id.startsWith('armed-'),
    );
    expect(result).toEqual({
      latenciesMs: [180, 950],
      beforeDue: 0,
      duplicates: 0,
      early: 0,
      firstDueMs: Date.parse('2026-01-01T00:00:20.000Z'),
      lastRecordedMs: Date.parse('2026-01-01T00:00:21.950Z'),
    });
  });

  it('counts what should never happen: a step recorded before it was due, twice, or for a timer not due', () => {
    const result = latenciesOf(
      [
        event('action_requested', 'due-1', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:19.900Z'),
        event('action_requested', 'due-1', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:20.100Z'),
        event('action_requested', 'armed-7', '2026-01-02T00:00:00.000Z', '2026-01-01T00:00:20.100Z'),
      ],
      (id) => id.startsWith('due-'),
      (id) => id.startsWith('armed-'),
    );
    expect(result).toMatchObject({ latenciesMs: [-100, 100], beforeDue: 1, duplicates: 1, early: 1 });
  });
});

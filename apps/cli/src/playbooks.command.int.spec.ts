// `rapport playbooks …` against real SQLite files in a temp data dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { cli } from './testing/run-cli';

jest.setTimeout(60_000);


describe('rapport playbooks', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const at = path.join(dir, name);
    fs.writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
    return at;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-playbooks-'));
    const complaint = (customerId: string, complaintId: string, occurredAt: string) => ({
      customerId,
      type: 'complained',
      occurredAt,
      data: { complaintId, category: 'billing', severity: 'high' },
    });
    const events = [
      { customerId: 'ann', type: 'identified', occurredAt: '2025-01-01T09:00:00Z', data: { name: 'Ann' } },
      complaint('ann', 'k-1', '2025-03-01T09:00:00Z'),
      { customerId: 'ann', type: 'complaint_resolved', occurredAt: '2025-03-01T20:00:00Z', data: { complaintId: 'k-1', resolution: 'refund' } },
      { customerId: 'bob', type: 'identified', occurredAt: '2025-01-01T09:00:00Z', data: { name: 'Bob' } },
      complaint('bob', 'k-2', '2025-03-02T09:00:00Z'),
      complaint('bob', 'k-3', '2025-09-01T09:00:00Z'),
    ];
    const jsonl = file('events.jsonl', events.map((e) => JSON.stringify(e)).join('\n'));
    expect((await cli('import', 'jsonl', jsonl, '--data-dir', dir)).code).toBe(0);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes from a file (once for the same definition), lists, refuses an invalid one with each problem', async () => {
    const sla = file('sla.json', { template: 'complaint-sla', params: { sla: 'PT24H' } });
    const first = await cli('playbooks', 'publish', sla, '--data-dir', dir);
    expect([first.code, first.stdout]).toEqual([0, 'published sla version 1\n']);
    const again = await cli('playbooks', 'publish', sla, '--data-dir', dir, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, playbookId: 'sla', version: 1, published: false });

    const bad = await cli('playbooks', 'publish', file('bad.json', { name: 'x', trigger: { event: 'complained' }, steps: [{ wait: 'P1M' }] }), '--data-dir', dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_PLAYBOOK');
    expect(bad.stderr).toContain('steps[0].wait');
    expect((await cli('playbooks', 'publish', file('nojson.json', '{'), '--data-dir', dir)).code).toBe(2);

    const list = await cli('playbooks', 'list', '--data-dir', dir, '--json');
    expect(JSON.parse(list.stdout).playbooks).toEqual([expect.objectContaining({ playbookId: 'sla', version: 1, status: 'running' })]);
  });

  it('simulates over recorded history without writing, and reports results', async () => {
    const sla = file('sla-sim.json', { template: 'complaint-sla', params: { sla: 'PT24H' } });
    const head = async () => {
      const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
      try {
        return await log.headPosition();
      } finally {
        await log.close();
      }
    };
    const before = await head();
    const run = await cli('playbooks', 'simulate', sla, '--from', '2025-02-01T00:00:00Z', '--to', '2025-06-30T00:00:00Z', '--data-dir', dir, '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    // Ann's complaint was resolved within the SLA; Bob's first escalated; his second is outside the window.
    expect(result).toMatchObject({ ok: true, enrolled: 2, actions: { requested: 1 }, outcomes: { exited: 1, completed: 1 } });
    expect(result.enrollments.map((e: { customerId: string; outcome: string }) => [e.customerId, e.outcome]).sort()).toEqual([
      ['ann', 'exited'],
      ['bob', 'completed'],
    ]);
    expect(await head()).toBe(before);
    expect((await cli('playbooks', 'simulate', sla, '--from', '2025-06-01T00:00:00Z', '--to', '2025-01-01T00:00:00Z', '--data-dir', dir)).code).toBe(2);

    const results = await cli('playbooks', 'results', 'sla', '--data-dir', dir);
    expect(results.code).toBe(0);
    expect(results.stdout).toMatch(/^sla: 0 enrolled, 0 running\ntreated: 0 enrolled/);
    expect((await cli('playbooks', 'results', 'nope', '--data-dir', dir)).code).toBe(2);
  });
});

// Timers live in the log: 10,000 armed, the server killed (SIGKILL) while
// 1,000 of them are firing, restarted — each of the 1,000 fires exactly once,
// none is lost, and none of the 9,000 not yet due fires.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(600_000);

const TIMERS = 10_000;
const DUE = 1_000;
const SLA_MS = 3_600_000;

/** Counts a paged list to its end. */
async function countAll(server: ServerProcess, url: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await server.get(`${url}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`${url}: ${page.status} ${JSON.stringify(page.body)}`);
    ids.push(...page.body.items.map((item: { actionId?: string; customerId: string }) => item.actionId ?? item.customerId));
    cursor = page.body.nextCursor;
    if (cursor === null) return ids;
  }
}

describe('playbook timers across a kill -9 (embedded, a real server process)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-timers-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fires each due timer exactly once after the crash, and nothing that is not due', async () => {
    let server = await ServerProcess.start(dataDir);
    expect((await server.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);

    // 9,000 complaints due in an hour; 1,000 due together a little after all are enrolled.
    const now = Date.now();
    const dueAt = now + 60_000;
    const events = Array.from({ length: TIMERS }, (_, i) => ({
      customerId: i < DUE ? `due-${i}` : `later-${i}`,
      type: 'complained',
      occurredAt: new Date(i < DUE ? dueAt - SLA_MS : now).toISOString(),
      data: { complaintId: `k-${i}`, category: 'billing', severity: 'high' },
    }));
    for (let i = 0; i < events.length; i += 500) {
      const batch = await server.post('/v1/events', { events: events.slice(i, i + 500) });
      expect(batch.status).toBe(200);
      expect(batch.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);
    }
    const armed = async () => (await countAll(server, '/v1/playbooks/sla/enrollments?status=running')).length;
    const ended = async () => (await countAll(server, '/v1/playbooks/sla/enrollments?status=ended')).length;
    const enrolledBy = Date.now();
    while ((await armed()) + (await ended()) < TIMERS && Date.now() < enrolledBy + 240_000) await new Promise((r) => setTimeout(r, 500));
    console.log(`10,000 timers armed ${((Date.now() - now) / 1000).toFixed(1)} s after the first complaint was sent`);

    // Kill as soon as the due timers are firing, before they all have.
    let firedAtKill = 0;
    while (Date.now() < dueAt + 120_000) {
      firedAtKill = await ended();
      if (firedAtKill > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.kill();
    console.log(`killed with ${firedAtKill} of ${DUE} due timers seen fired in the read models`);
    expect(firedAtKill).toBeGreaterThan(0);
    expect(firedAtKill).toBeLessThan(DUE);

    server = await ServerProcess.start(dataDir);
    const restarted = Date.now();
    while ((await ended()) < DUE && Date.now() < restarted + 120_000) await new Promise((r) => setTimeout(r, 250));
    const queue = await countAll(server, '/v1/actions?playbookId=sla');
    expect(queue).toHaveLength(DUE);
    expect(new Set(queue).size).toBe(DUE);
    expect(await armed()).toBe(TIMERS - DUE);
    expect(await server.stop()).toBe(0);

    // The log itself: every due timer decided once, nothing for the others.
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    try {
      const decided = new Map<string, string[]>();
      for (let after = -1; ; ) {
        const page = await log.readAll({ after, maxCount: 5_000 });
        for (const event of page) if (event.type !== 'complained') decided.set(event.customerId, [...(decided.get(event.customerId) ?? []), event.type]);
        if (page.length < 5_000) break;
        after = page[page.length - 1]!.position;
      }
      for (let i = 0; i < TIMERS; i++) {
        const types = decided.get(i < DUE ? `due-${i}` : `later-${i}`);
        expect([i, types]).toEqual([i, i < DUE ? ['playbook_enrolled', 'action_requested', 'playbook_exited'] : ['playbook_enrolled']]);
      }
    } finally {
      await log.close();
    }
  });
});

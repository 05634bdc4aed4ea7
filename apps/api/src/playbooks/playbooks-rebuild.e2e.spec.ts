// Rebuilding never fires anything again: after `rapport projections rebuild`
// and even with the runner's own store deleted (checkpoint and due times gone,
// so the runner replays the whole log), the log holds the same decisions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLAYBOOK_DUE, PLAYBOOK_RUNNER_COLLECTIONS, PLAYBOOKS_CHECKPOINT } from '@rapport/application';
import { RoleProcess } from '@rapport/config/testing';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { playbookPaths } from '@rapport/wiring';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(180_000);

describe('playbooks across a projection rebuild and a lost runner store (embedded)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-pb-rebuild-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function decisions(): Promise<string[]> {
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    try {
      return (await log.readAll()).filter((e) => e.type !== 'complained').map((e) => `${e.customerId} ${e.type} ${e.eventId}`);
    } finally {
      await log.close();
    }
  }

  it('decides nothing new', async () => {
    let server = await ServerProcess.start(dataDir);
    expect((await server.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
    const past = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const recent = new Date().toISOString();
    for (let i = 0; i < 6; i++) {
      const occurredAt = i < 3 ? past : recent;
      expect((await server.post(`/v1/customers/r-${i}/events`, { type: 'complained', occurredAt, data: { complaintId: `k-${i}`, category: 'billing', severity: 'low' } })).status).toBe(201);
    }
    const deadline = Date.now() + 20_000;
    while ((await server.get('/v1/playbooks/sla/enrollments?status=ended&limit=10')).body.items.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await server.stop()).toBe(0);
    const before = await decisions();
    // Three escalated and ended (3 decisions each), three enrolled and waiting.
    expect(before).toHaveLength(12);

    const rebuild = RoleProcess.start('cli', { RAPPORT_DATA_DIR: dataDir }, ['projections', 'rebuild']);
    expect((await rebuild.exited).code).toBe(0);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${playbookPaths({ dataDir }).runner}${suffix}`, { force: true });

    server = await ServerProcess.start(dataDir);
    // The runner replays the whole log from position 0 and arms the three waiting timers again.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await server.stop()).toBe(0);
    expect(await decisions()).toEqual(before);
    const runnerStore = SqliteDocumentStore.open(playbookPaths({ dataDir }).runner, PLAYBOOK_RUNNER_COLLECTIONS);
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    try {
      expect(await runnerStore.getCheckpoint(PLAYBOOKS_CHECKPOINT)).toBe(await log.headPosition());
      const due: string[] = [];
      for await (const document of runnerStore.scan(PLAYBOOK_DUE)) due.push(document.customerId);
      expect(due.sort()).toEqual(['r-3', 'r-4', 'r-5']);
    } finally {
      await Promise.all([runnerStore.close(), log.close()]);
    }
  });
});

// `npm run start:distributed` when things go wrong: started with the broker
// down, every role waits for it (none exits, the API serves meanwhile) and the
// projector starts consuming once the broker is up; a role killed with -9 is
// started again by the launcher while the others keep running.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { describeWithInfra, freePort, KafkaNode, RoleProcess } from '@rapport/config/testing';

jest.setTimeout(300_000);

const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');

describeWithInfra('kafka', 'mongo')('the distributed launcher', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-launcher-'));
  const database = `launcher_${id}`;
  let broker: KafkaNode;
  let launcher: RoleProcess;
  let apiUrl: string;

  const pidOf = (role: string): number[] => [...launcher.output.matchAll(new RegExp(`\\[launcher\\] ${role} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]));
  const live = async () => (await fetch(`${apiUrl}/health/live`, { signal: AbortSignal.timeout(5_000) })).status;
  const count = (pattern: RegExp) => (launcher.output.match(new RegExp(pattern.source, 'g')) ?? []).length;

  beforeAll(async () => {
    broker = await KafkaNode.start(path.join(dir, 'kafka'));
    await broker.stop('SIGKILL');
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    launcher = RoleProcess.start('launcher', {
      RAPPORT_KAFKA_BROKERS: broker.brokers,
      RAPPORT_MONGO_URL: `${mongoBase}/${database}`,
      RAPPORT_DATA_DIR: path.join(dir, 'data'),
      RAPPORT_PORT: String(port),
      RAPPORT_KAFKA_TOPIC: `test.launcher.${id}`,
      RAPPORT_RELAY_ID: `relay-${id}`,
      RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      RAPPORT_RELAY_METRICS_PORT: '0',
      RAPPORT_LAUNCHER_FIRST_RESTART_MS: '200',
    });
  });

  afterAll(async () => {
    await launcher?.stop(30_000);
    await broker?.stop('SIGKILL');
    const client = new MongoClient(`${mongoBase}/admin`);
    await client.connect();
    await client.db(database).dropDatabase().catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every role up while the broker is down at start, the API serving', async () => {
    await launcher.waitFor(/\[projector\].*projector cannot start/, 60_000);
    // Well past the ~11 s after which the projector used to exit and the launcher stopped everything.
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      expect(launcher.running).toBe(true);
      expect(launcher.output).not.toMatch(/\[launcher\] [\w-]+ exited/);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await launcher.waitFor(/\[api\]/, 60_000);
    expect(await live()).toBe(200);
    expect(pidOf('projector')).toHaveLength(1);
    // The playbook runner needs no broker: it starts and stays up.
    await launcher.waitFor(/\[playbook-runner\].*playbook runner following the log/, 60_000);
    expect(pidOf('playbook-runner')).toHaveLength(1);
  });

  it('starts consuming once the broker is up, without a restart', async () => {
    await broker.restart();
    await launcher.waitFor(/\[projector\].*projector consuming/, 120_000);
    expect(pidOf('projector')).toHaveLength(1);
  });

  it('starts a role killed with -9 again, the others untouched', async () => {
    const [projector] = pidOf('projector');
    const api = pidOf('api');
    const consuming = count(/projector consuming/);
    process.kill(projector!, 'SIGKILL');
    await launcher.waitFor(/\[launcher\] projector exited \(SIGKILL\); starting it again/, 30_000);
    const deadline = Date.now() + 120_000;
    while (count(/projector consuming/) <= consuming) {
      if (Date.now() > deadline) throw new Error(`the projector did not come back:\n${launcher.output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(pidOf('projector')).toHaveLength(2);
    expect(pidOf('api')).toEqual(api);
    expect(await live()).toBe(200);
  });

  it('stops every role on SIGTERM and exits 0', async () => {
    const exit = await launcher.stop(60_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(launcher.output).toContain('[launcher] all stopped');
  });
});

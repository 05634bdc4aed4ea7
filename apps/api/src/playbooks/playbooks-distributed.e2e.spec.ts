// Playbooks in distributed mode: two API processes over one log (each runs
// the playbooks), the relay and the projector, on the local Kafka and
// FerretDB. Every decision is recorded once, and each action reaches the
// action topic exactly once for a read_committed consumer.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { describeWithInfra, RoleProcess } from '@rapport/config/testing';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { deadLetterTopic, header } from '@rapport/messaging';
import { embeddedPaths } from '@rapport/wiring';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(300_000);

const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');
const CUSTOMERS = 40;

describeWithInfra('kafka', 'mongo')('playbooks with two API instances in distributed mode', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const topic = `test.pb.${id}`;
  const actionsTopic = `test.pb-actions.${id}`;
  const database = `pb_${id}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-pb-distributed-'));
  const env = {
    RAPPORT_MODE: 'distributed',
    RAPPORT_DATA_DIR: dataDir,
    RAPPORT_MONGO_URL: `${mongoBase}/${database}`,
    RAPPORT_KAFKA_TOPIC: topic,
    RAPPORT_KAFKA_ACTIONS_TOPIC: actionsTopic,
    RAPPORT_RELAY_ID: `relay-${id}`,
    RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
    RAPPORT_PROJECTOR_METRICS_PORT: '0',
    RAPPORT_RELAY_METRICS_PORT: '0',
  };
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'pb-e2e' });
  let apis: ServerProcess[] = [];
  let relay: RoleProcess;
  let projector: RoleProcess;

  beforeAll(async () => {
    projector = RoleProcess.start('projector', env);
    relay = RoleProcess.start('relay', env);
    await Promise.all([projector.waitFor(/projector consuming/), relay.waitFor(/resuming after log position/)]);
    apis = [await ServerProcess.start(dataDir, undefined, env), await ServerProcess.start(dataDir, undefined, env)];
  });

  afterAll(async () => {
    await Promise.allSettled(apis.map((api) => api.kill()));
    await Promise.allSettled([relay?.kill(), projector?.kill()]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic), actionsTopic] }).catch(() => undefined);
    await admin.disconnect();
    const client = new MongoClient(`${mongoBase}/admin`);
    await client.connect();
    for (const name of [database, `${database}_playbooks`]) await client.db(name).dropDatabase().catch(() => undefined);
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('decides every step once and publishes every action once', async () => {
    const [a, b] = apis as [ServerProcess, ServerProcess];
    expect((await a.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
    // Past their SLA already: both instances' runners see them at once and race to decide.
    const occurredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    for (let i = 0; i < CUSTOMERS; i++) {
      const api = i % 2 === 0 ? a : b;
      const answer = await api.post(`/v1/customers/d-${i}/events`, { type: 'complained', occurredAt, data: { complaintId: `k-${i}`, category: 'billing', severity: 'high' } });
      expect(answer.status).toBe(201);
    }

    // Every action on the topic once, read as a downstream system would.
    const consumer = kafka.consumer({ groupId: `reader-${id}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: actionsTopic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(header(message, 'ce_id')!) });
    const deadline = Date.now() + 120_000;
    while (seen.length < CUSTOMERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // A while longer: a duplicate would show up now.
    await new Promise((r) => setTimeout(r, 3_000));
    await consumer.disconnect();
    expect(seen.sort()).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => `sla/1/d-${i}/1/1`).sort());

    // The log: three decisions per customer, each once, however the two runners raced.
    const log = SqliteEventStore.open(embeddedPaths({ dataDir }).log);
    try {
      for (let i = 0; i < CUSTOMERS; i++) {
        const types = (await log.readStream(`d-${i}`)).map((e) => e.type);
        expect([i, types]).toEqual([i, ['complained', 'playbook_enrolled', 'action_requested', 'playbook_exited']]);
      }
    } finally {
      await log.close();
    }

    // The queue in MongoDB (the projector's), from either instance.
    let queue: { actionId: string }[] = [];
    const projected = Date.now() + 60_000;
    while (queue.length < CUSTOMERS && Date.now() < projected) {
      queue = (await b.get('/v1/actions?playbookId=sla&limit=200')).body.items;
      if (queue.length < CUSTOMERS) await new Promise((r) => setTimeout(r, 250));
    }
    expect(queue.map((action) => action.actionId).sort()).toEqual(seen);
  });
});

describeWithInfra('kafka', 'mongo')('playbooks with the runner as a role of its own (RAPPORT_PLAYBOOK_RUNNER=separate)', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const topic = `test.pbr.${id}`;
  const database = `pbr_${id}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-pb-runner-role-'));
  const env = {
    RAPPORT_MODE: 'distributed',
    RAPPORT_DATA_DIR: dataDir,
    RAPPORT_MONGO_URL: `${mongoBase}/${database}`,
    RAPPORT_KAFKA_TOPIC: topic,
    RAPPORT_KAFKA_ACTIONS_TOPIC: `test.pbr-actions.${id}`,
    RAPPORT_PLAYBOOK_RUNNER: 'separate',
  };
  let api: ServerProcess;
  let runners: RoleProcess[] = [];

  beforeAll(async () => {
    api = await ServerProcess.start(dataDir, undefined, env);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.kill(), ...runners.map((runner) => runner.kill())]);
    const client = new MongoClient(`${mongoBase}/admin`);
    await client.connect();
    for (const name of [database, `${database}_playbooks`]) await client.db(name).dropDatabase().catch(() => undefined);
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const decisionsOf = async (customerId: string) => {
    const log = SqliteEventStore.open(embeddedPaths({ dataDir }).log);
    try {
      return (await log.readStream(customerId)).map((e) => e.type);
    } finally {
      await log.close();
    }
  };

  it('the API alone decides nothing; two runner processes then decide every step once', async () => {
    expect((await api.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
    const occurredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    for (let i = 0; i < 10; i++) {
      const answer = await api.post(`/v1/customers/s-${i}/events`, { type: 'complained', occurredAt, data: { complaintId: `k-${i}`, category: 'billing', severity: 'high' } });
      expect(answer.status).toBe(201);
    }
    // The API's runner would have escalated these at once (past their SLA): with the runner separate it does not.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await decisionsOf('s-0')).toEqual(['complained']);
    // Nor does its /metrics speak of a runner: no series, rather than a position of 0 that would read as caught up.
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toContain('rapport_log_head_position');
    expect(metrics.split('\n').filter((line) => line.startsWith('rapport_playbook_runner_'))).toEqual([]);

    runners = [RoleProcess.start('playbook-runner', env), RoleProcess.start('playbook-runner', env)];
    await Promise.all(runners.map((runner) => runner.waitFor(/playbook runner following the log/, 60_000)));
    const deadline = Date.now() + 60_000;
    const expected = ['complained', 'playbook_enrolled', 'action_requested', 'playbook_exited'];
    for (let i = 0; i < 10; i++) {
      while ((await decisionsOf(`s-${i}`)).length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect([i, await decisionsOf(`s-${i}`)]).toEqual([i, expected]);
    }
    // SIGTERM: each runner stops after the decision in hand and exits 0.
    for (const runner of runners) expect((await runner.stop(30_000)).code).toBe(0);
  });
});

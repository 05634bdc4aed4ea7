// Webhooks against a real HTTP receiver on loopback and a real SQLite log:
// Standard Webhooks signatures that verify, order kept through an outage, and
// an action whose receiver never recovers recorded as failed.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { CustomerCommands, type EventInput } from '../customer-commands.service';
import { ActionAcknowledgement } from './action-acknowledgement.service';
import { decisionEventId, PLAYBOOK_RUNNER_COLLECTIONS } from './playbook-runner';
import { fetchWebhookTransport, WEBHOOK_ACTOR, WebhookDispatcher, type WebhookEndpoint } from './webhook-dispatcher';

jest.setTimeout(60_000);

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

/** A receiver that answers each request with the next status `answer` gives. */
async function receiver(answer: (n: number) => number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(received.length);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('WebhookDispatcher (SQLite log, loopback receiver)', () => {
  let dir: string;
  let log: EventStore;
  let store: SqliteDocumentStore;
  let commands: CustomerCommands;
  const clock = { now: () => new Date() };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-webhooks-'));
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'), { pollIntervalMs: 20 });
    store = SqliteDocumentStore.open(path.join(dir, 'runner.sqlite'), PLAYBOOK_RUNNER_COLLECTIONS);
    commands = new CustomerCommands(log, clock, { next: () => randomUUID() });
  });
  afterEach(async () => {
    await Promise.all([log.close(), store.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Records an action as the runner does: under the eventId derived from its actionId. */
  async function requestAction(customerId: string, step: number, kind: 'task' | 'offer' = 'task'): Promise<string> {
    const actionId = `pb/1/${customerId}/1/${step}`;
    if ((await log.readStream(customerId)).length === 0) {
      expect((await commands.record({ customerId, type: 'identified', occurredAt: clock.now().toISOString(), data: {} } as EventInput)).status).toBe('recorded');
    }
    const action = kind === 'task' ? { kind, title: `step ${step}` } : { kind, offerId: 'WB', channel: 'email' };
    const outcome = await commands.record({
      customerId,
      type: 'action_requested',
      eventId: decisionEventId(actionId),
      occurredAt: clock.now().toISOString(),
      data: { playbookId: 'pb', version: 1, enrollmentId: 'pb/1', step, actionId, action },
    } as EventInput);
    expect(outcome.status).toBe('recorded');
    return actionId;
  }

  const dispatcher = (endpoints: WebhookEndpoint[], retryDelaysMs: number[] = [20, 20, 20]) =>
    new WebhookDispatcher(log, new ActionAcknowledgement(log, commands, clock), store, fetchWebhookTransport, clock, { endpoints, retryDelaysMs, timeoutMs: 2_000 });

  it('sends the kinds asked for, from the log’s head on, signed so the Standard Webhooks verifier accepts them', async () => {
    const hooks = await receiver(() => 204);
    await requestAction('old', 0);
    const sender = dispatcher([{ url: hooks.url, kinds: ['task'], secret: SECRET }]);
    await sender.start();
    try {
      const task = await requestAction('ann', 1);
      await requestAction('ann', 2, 'offer');
      const later = await requestAction('bob', 1);
      await until(() => hooks.received.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(hooks.received).toHaveLength(2);
      const verifier = new Webhook(SECRET);
      const bodies = hooks.received.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { actionId: string } });
      expect(bodies.map((b) => [b.type, b.data.actionId])).toEqual([
        ['rapport.action.task.v1', task],
        ['rapport.action.task.v1', later],
      ]);
      expect(hooks.received[0]!.headers['webhook-id']).toBe(decisionEventId(task));
      // A tampered body does not verify.
      expect(() => verifier.verify(hooks.received[0]!.body.replace('ann', 'eve'), hooks.received[0]!.headers as Record<string, string>)).toThrow();
    } finally {
      await sender.stop();
      await hooks.close();
    }
  });

  it('keeps trying while the receiver is down, then delivers everything in order, each action once', async () => {
    // Down for the first five requests.
    const hooks = await receiver((n) => (n < 5 ? 503 : 200));
    const sender = dispatcher([{ url: hooks.url, kinds: ['task', 'offer'], secret: SECRET }], [30, 30, 30, 30, 30, 30, 30]);
    await sender.start();
    try {
      const sent = [await requestAction('ann', 1), await requestAction('bob', 1), await requestAction('ann', 2, 'offer'), await requestAction('bob', 2), await requestAction('ann', 3)];
      await until(() => hooks.received.filter((r) => r.answered === 200).length >= sent.length);
      const delivered = hooks.received.filter((r) => r.answered === 200).map((r) => (JSON.parse(r.body) as { data: { actionId: string } }).data.actionId);
      expect(delivered).toEqual(sent);
      // The retries carried the first action's id: the receiver can tell them apart from new actions.
      expect(new Set(hooks.received.slice(0, 6).map((r) => r.headers['webhook-id']))).toEqual(new Set([decisionEventId(sent[0]!)]));
      expect((await log.readStream('ann')).some((e) => e.type === 'action_acknowledged')).toBe(false);
    } finally {
      await sender.stop();
      await hooks.close();
    }
  });

  it('records an action failed after its last try, then goes on with the next', async () => {
    const hooks = await receiver((n) => (n < 4 ? 500 : 200));
    const sender = dispatcher([{ url: hooks.url, kinds: ['task'], secret: SECRET }], [20, 20, 20]);
    await sender.start();
    try {
      const doomed = await requestAction('cy', 1);
      const next = await requestAction('cy', 2);
      await until(async () => (await log.readStream('cy')).some((e) => e.type === 'action_acknowledged'));
      const ack = (await log.readStream('cy')).find((e) => e.type === 'action_acknowledged')!;
      expect(ack.data).toMatchObject({ actionId: doomed, status: 'failed' });
      expect((ack.data as { detail: string }).detail).toMatch(/^webhook to 127\.0\.0\.1:\d+: 4 tries, the last answered 500$/);
      expect(ack.metadata.actor).toBe(WEBHOOK_ACTOR);
      await until(() => hooks.received.some((r) => r.answered === 200));
      expect((JSON.parse(hooks.received.find((r) => r.answered === 200)!.body) as { data: { actionId: string } }).data.actionId).toBe(next);
    } finally {
      await sender.stop();
      await hooks.close();
    }
  });

  it('resumes after a restart from its checkpoint: nothing sent twice, nothing skipped', async () => {
    const hooks = await receiver(() => 200);
    const endpoints = [{ url: hooks.url, kinds: ['task'], secret: SECRET }];
    const first = dispatcher(endpoints);
    await first.start();
    const before = [await requestAction('di', 1), await requestAction('di', 2)];
    await until(() => hooks.received.length >= 2);
    await first.stop();
    const after = [await requestAction('di', 3)];
    const second = dispatcher(endpoints);
    await second.start();
    try {
      await until(() => hooks.received.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(hooks.received.map((r) => (JSON.parse(r.body) as { data: { actionId: string } }).data.actionId)).toEqual([...before, ...after]);
    } finally {
      await second.stop();
      await hooks.close();
    }
  });
});

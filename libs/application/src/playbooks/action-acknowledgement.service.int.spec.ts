// Acknowledgements on a real SQLite log: found by the action's derived eventId,
// recorded once, a repeat a duplicate, another answer a conflict, and two
// acknowledgements racing each other settled the same way.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { CustomerCommands, type EventInput } from '../customer-commands.service';
import { ActionAcknowledgement } from './action-acknowledgement.service';
import { acknowledgementEventId, decisionEventId } from './playbook-runner';

const ACTION = 'sla/1/ada/1/1';
const ids = { next: () => randomUUID() };

/** The server's clock when the commands decide: the acknowledgements' instants are before it. */
const SERVER_NOW = Date.parse('2026-06-05T00:00:00Z');

/** A clock a millisecond later at every call: no two acknowledgements are dated alike by chance. */
function ticking(from = Date.parse('2026-06-01T00:00:00Z')) {
  let ms = from;
  return { now: () => new Date(ms++) };
}

describe('ActionAcknowledgement on the SQLite log', () => {
  let dir: string;
  let log: EventStore;
  let commands: CustomerCommands;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-ack-'));
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    commands = new CustomerCommands(log, ticking(SERVER_NOW), ids);
    // The customer's complaint and the action the runner requested for it, under its derived eventId.
    const ref = { playbookId: 'sla', version: 1, enrollmentId: 'sla/1' };
    const inputs: EventInput[] = [
      { customerId: 'ada', type: 'complained', occurredAt: '2026-05-01T00:00:00Z', data: { complaintId: 'k-1', category: 'billing', severity: 'high' } },
      {
        customerId: 'ada',
        type: 'action_requested',
        eventId: decisionEventId(ACTION),
        occurredAt: '2026-05-03T00:00:00Z',
        data: { ...ref, step: 1, actionId: ACTION, action: { kind: 'task', title: 'Call back' } },
        metadata: { actor: 'playbook:sla' },
      },
    ];
    for (const input of inputs) expect((await commands.record(input)).status).toBe('recorded');
  });
  afterEach(async () => {
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records action_acknowledged on the action’s customer, by the actor, caused by the request', async () => {
    const acks = new ActionAcknowledgement(log, commands, ticking(Date.parse('2026-06-02T00:00:00Z')));
    const answer = await acks.acknowledge(ACTION, 'failed', 'no agent free', 'service-desk');
    expect(answer).toMatchObject({ found: true, customerId: 'ada', outcome: { status: 'recorded', revision: 2 } });
    const [recorded] = (await log.readStream('ada')).slice(2);
    expect(recorded).toMatchObject({
      eventId: acknowledgementEventId(ACTION),
      type: 'action_acknowledged',
      occurredAt: '2026-06-02T00:00:00.000Z',
      data: { actionId: ACTION, playbookId: 'sla', status: 'failed', detail: 'no agent free' },
      metadata: { actor: 'service-desk', causationId: decisionEventId(ACTION) },
    });
  });

  it('answers a repeat later on, by anyone, as a duplicate of the first; another answer is a CONFLICTING_DUPLICATE', async () => {
    const acks = new ActionAcknowledgement(log, commands, ticking());
    expect((await acks.acknowledge(ACTION, 'delivered', undefined, 'mailer')).found).toBe(true);
    const again = await acks.acknowledge(ACTION, 'delivered', undefined, 'another-mailer');
    expect(again).toMatchObject({ found: true, outcome: { status: 'duplicate', revision: 2, event: { eventId: acknowledgementEventId(ACTION) } } });
    for (const [status, detail] of [['failed', undefined], ['delivered', 'opened']] as const) {
      const other = await acks.acknowledge(ACTION, status, detail, 'mailer');
      expect(other).toMatchObject({ found: true, outcome: { status: 'rejected', code: 'CONFLICTING_DUPLICATE' } });
    }
    expect(await log.readStream('ada')).toHaveLength(3);
  });

  it('settles two acknowledgements racing each other (two API processes): one recorded, the same one a duplicate, another a conflict', async () => {
    const instance = () => new ActionAcknowledgement(log, new CustomerCommands(log, ticking(SERVER_NOW), ids), ticking(Date.parse('2026-06-02T00:00:00Z') + Math.floor(Math.random() * 1000)));
    const same = await Promise.all([instance().acknowledge(ACTION, 'failed', 'bounced', 'a'), instance().acknowledge(ACTION, 'failed', 'bounced', 'b')]);
    expect(same.map((answer) => answer.found && answer.outcome.status).sort()).toEqual(['duplicate', 'recorded']);
    const clash = await Promise.all([instance().acknowledge(ACTION, 'delivered', undefined, 'c'), instance().acknowledge(ACTION, 'failed', 'bounced', 'd')]);
    expect(clash.map((answer) => answer.found && answer.outcome.status).sort()).toEqual(['duplicate', 'rejected']);
    expect((await log.readStream('ada')).filter((e) => e.type === 'action_acknowledged')).toHaveLength(1);
  });

  it('finds nothing to acknowledge for an actionId no playbook requested, or a key that names another event', async () => {
    const acks = new ActionAcknowledgement(log, commands, ticking());
    await acks.acknowledge(ACTION, 'failed', undefined, 'x');
    for (const actionId of ['sla/1/ada/1/2', `${ACTION}/ack`, '']) {
      expect([actionId, await acks.acknowledge(actionId, 'delivered', undefined, 'x')]).toEqual([actionId, { found: false }]);
    }
  });
});

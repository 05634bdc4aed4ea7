// The action queue's projection, pure: the writes it makes per event, applied
// here to a map of documents as a store would apply them.
import type { StoredDocument, Write } from '@rapport/document-store';
import type { CustomerEventBody, RecordedCustomerEvent } from '@rapport/domain';
import { playbookActionsProjection, type ActionDocument } from './playbook-actions.read-model';

const ACTION = 'sla/1/c/1/1';
const ref = { playbookId: 'sla', version: 1, enrollmentId: 'sla/1' };
const requested: CustomerEventBody = { type: 'action_requested', data: { ...ref, step: 1, actionId: ACTION, action: { kind: 'task', title: 'Call back' } } };
const acknowledged = (status: 'delivered' | 'failed', detail?: string): CustomerEventBody => ({
  type: 'action_acknowledged',
  data: { actionId: ACTION, playbookId: 'sla', status, ...(detail !== undefined ? { detail } : {}) },
});
const contacted: CustomerEventBody = { type: 'contacted', data: { channel: 'phone', direction: 'outbound', actionId: ACTION } };

/** Events of one customer's stream, revisions from 0, a day apart. */
function stream(customerId: string, ...bodies: CustomerEventBody[]): RecordedCustomerEvent[] {
  return bodies.map(
    (body, revision) =>
      ({
        ...body,
        eventId: `${customerId}-${revision}`,
        occurredAt: `2026-01-0${revision + 1}T10:00:00Z`,
        metadata: {},
        customerId,
        recordedAt: `2026-01-0${revision + 1}T10:00:01Z`,
        revision,
        position: revision,
        hash: '0'.repeat(64),
      }) as RecordedCustomerEvent,
  );
}

/** The collection after the writes of each event in turn: an insert adds, an update replaces what its apply returns. */
function project(events: readonly RecordedCustomerEvent[]): Map<string, ActionDocument> {
  if (playbookActionsProjection.kind !== 'event') throw new Error('an event projection');
  const documents = new Map<string, StoredDocument>();
  for (const event of events) {
    if (!playbookActionsProjection.handles.includes(event.type)) continue;
    for (const write of playbookActionsProjection.project(event) as Write[]) {
      if (write.type === 'insert') {
        if (!documents.has(write.document._id)) documents.set(write.document._id, write.document);
      } else if (write.type === 'update') {
        for (const [id, document] of documents) {
          if (!write.where.every((condition) => 'eq' in condition && (document as unknown as Record<string, unknown>)[condition.field] === condition.eq)) continue;
          const updated = write.apply(document as never);
          if (updated) documents.set(id, updated);
        }
      } else {
        throw new Error(`unexpected ${write.type}`);
      }
    }
  }
  return documents as Map<string, ActionDocument>;
}

describe('the action queue (playbook_actions)', () => {
  it('handles the acknowledgement', () => {
    expect(playbookActionsProjection.handles).toEqual(expect.arrayContaining(['action_requested', 'contacted', 'action_acknowledged']));
  });

  it('a pending action acknowledged failed: status, when, the detail, and the acknowledgement’s revision', () => {
    const queue = project(stream('c', requested, acknowledged('failed', 'no agent free')));
    expect(queue.get(ACTION)).toMatchObject({ status: 'failed', acknowledgedAt: '2026-01-02T10:00:00Z', detail: 'no agent free', revision: 1, customerId: 'c' });
  });

  it('a pending action acknowledged delivered, without a detail', () => {
    const action = project(stream('c', requested, acknowledged('delivered'))).get(ACTION)!;
    expect(action).toMatchObject({ status: 'delivered', acknowledgedAt: '2026-01-02T10:00:00Z', revision: 1 });
    expect(action).not.toHaveProperty('detail');
  });

  it('an action a contact delivered stays delivered: a later acknowledgement changes nothing', () => {
    const before = project(stream('c', requested, contacted)).get(ACTION)!;
    const after = project(stream('c', requested, contacted, acknowledged('failed', 'bounced'))).get(ACTION)!;
    expect(after).toStrictEqual(before);
    expect(after).toMatchObject({ status: 'delivered', deliveredBy: 'c-1', revision: 1 });
  });

  it('an acknowledged action stays as acknowledged: a later contact changes nothing', () => {
    const after = project(stream('c', requested, acknowledged('failed'), contacted)).get(ACTION)!;
    expect(after).toMatchObject({ status: 'failed', revision: 1 });
    expect(after).not.toHaveProperty('deliveredBy');
  });

  it('only the customer’s own action: an acknowledgement on another stream leaves it pending', () => {
    const queue = project([...stream('c', requested), ...stream('someone-else', { type: 'identified', data: {} }, acknowledged('delivered'))]);
    expect(queue.get(ACTION)).toMatchObject({ status: 'pending', revision: 0 });
    expect(queue.get(ACTION)).not.toHaveProperty('acknowledgedAt');
  });

  it('an acknowledgement of an action the queue does not hold writes nothing', () => {
    expect(project(stream('c', { type: 'identified', data: {} }, acknowledged('failed'))).size).toBe(0);
  });
});

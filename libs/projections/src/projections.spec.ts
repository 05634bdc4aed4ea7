import type { CustomerEventBody, RecordedCustomerEvent } from '@rapport/domain';
import { projectCustomerFacts, type CustomerFacts } from './customer-facts.projection';
import { offerContacts, offerContactsProjection } from './customer-read-models';
import { projectCustomerView, type CustomerView } from './customer-view.projection';
import { projectTimelineEntry, redactTimelineEntry } from './timeline.projection';

let revision = 0;
function recorded(body: CustomerEventBody, occurredAt: string): RecordedCustomerEvent {
  return {
    ...body,
    eventId: `e-${revision}`,
    occurredAt,
    metadata: {},
    customerId: 'c',
    recordedAt: `2026-01-01T00:00:${String(revision).padStart(2, '0')}Z`,
    revision: revision,
    position: 100 + revision++,
    hash: '0'.repeat(64),
  } as RecordedCustomerEvent;
}

function history(): RecordedCustomerEvent[] {
  revision = 0;
  return [
    recorded({ type: 'identified', data: { name: 'Ada', attributes: { tier: 'gold' } } }, '2026-01-01T00:00:00Z'),
    recorded({ type: 'contacted', data: { channel: 'email', direction: 'outbound', offerId: 'o-1' } }, '2026-01-05T00:00:00Z'),
    // late: an older contact must not replace the newer one
    recorded({ type: 'contacted', data: { channel: 'phone', direction: 'inbound' } }, '2026-01-02T00:00:00Z'),
    recorded({ type: 'purchased', data: { orderId: 'a', amount: 1000, currency: 'EUR' } }, '2026-01-10T00:00:00Z'),
    recorded({ type: 'purchased', data: { orderId: 'b', amount: 250, currency: 'USD', campaignId: 'k' } }, '2026-01-03T00:00:00+02:00'),
    recorded({ type: 'complained', data: { complaintId: 'x', category: 'billing', severity: 'low' } }, '2026-01-11T00:00:00Z'),
    recorded({ type: 'complaint_resolved', data: { complaintId: 'x', resolution: 'credit' } }, '2026-01-12T00:00:00Z'),
    recorded({ type: 'churned', data: { reason: 'competitor' } }, '2026-02-01T00:00:00Z'),
    recorded({ type: 'won_back', data: { via: 'offer', campaignId: 'back' } }, '2026-03-01T00:00:00Z'),
  ];
}

describe('customer 360 projection', () => {
  const view = history().reduce<CustomerView | undefined>(projectCustomerView, undefined)!;

  it('folds identity, stage, spend per currency and complaint counts', () => {
    expect(view).toMatchObject({
      customerId: 'c',
      revision: 8,
      stage: 'repeat',
      name: 'Ada',
      attributes: { tier: 'gold' },
      purchases: {
        count: 2,
        byCurrency: { EUR: { orders: 1, amount: 1000 }, USD: { orders: 1, amount: 250 } },
        firstAt: '2026-01-03T00:00:00+02:00',
        lastAt: '2026-01-10T00:00:00Z',
      },
      complaints: { total: 1, resolved: 1, open: [] },
      churns: [{ reason: 'competitor', occurredAt: '2026-02-01T00:00:00Z' }],
      winBacks: [{ via: 'offer', campaignId: 'back', occurredAt: '2026-03-01T00:00:00Z' }],
    });
  });

  it('keeps the latest contact by business time, not by arrival', () => {
    expect(view.lastContact).toMatchObject({ channel: 'email', occurredAt: '2026-01-05T00:00:00Z' });
  });

  it('tracks the first and last activity across late events', () => {
    expect(view.firstSeenAt).toBe('2026-01-01T00:00:00Z');
    expect(view.lastActivityAt).toBe('2026-03-01T00:00:00Z');
  });

  it('does not mutate the document it is given', () => {
    const events = history();
    const before = events.slice(0, 5).reduce<CustomerView | undefined>(projectCustomerView, undefined)!;
    const frozen = JSON.parse(JSON.stringify(before));
    projectCustomerView(before, events[5]!);
    expect(before).toEqual(frozen);
  });
});

describe('consent in the 360', () => {
  it('keeps the latest word per channel and purpose by business time; other events leave it', () => {
    revision = 0;
    const events = [
      recorded({ type: 'consent_changed', data: { channel: 'email', purpose: 'marketing', granted: true, source: 'form' } }, '2026-01-05T00:00:00Z'),
      recorded({ type: 'consent_changed', data: { channel: 'all', purpose: 'service', granted: true } }, '2026-01-06T00:00:00Z'),
      // late: said before the grant above, so it does not replace it
      recorded({ type: 'consent_changed', data: { channel: 'email', purpose: 'marketing', granted: false } }, '2026-01-01T00:00:00Z'),
      recorded({ type: 'consent_changed', data: { channel: 'email', purpose: 'service', granted: false } }, '2026-01-07T00:00:00Z'),
      recorded({ type: 'contacted', data: { channel: 'email', direction: 'outbound', actionId: 'act-1' } }, '2026-01-08T00:00:00Z'),
    ];
    const view = events.reduce<CustomerView | undefined>(projectCustomerView, undefined)!;
    expect(view.consent).toEqual({
      email: { marketing: { granted: true, changedAt: '2026-01-05T00:00:00Z', source: 'form' }, service: { granted: false, changedAt: '2026-01-07T00:00:00Z' } },
      all: { service: { granted: true, changedAt: '2026-01-06T00:00:00Z' } },
    });
    expect(view).toMatchObject({ stage: 'prospect', revision: 4, lastContact: { actionId: 'act-1' } });
    // A contact that cites no campaign or offer is no offer: the offer read model leaves it out.
    expect(offerWrites(events[4]!)).toEqual([]);
    // A customer who never said anything has no consent entry at all.
    expect(history().reduce<CustomerView | undefined>(projectCustomerView, undefined)!.consent).toBeUndefined();
  });
});

describe('playbooks in the 360', () => {
  it('marks a requested action with what its acknowledgement reported; the facts ignore it', () => {
    revision = 0;
    const ref = { playbookId: 'sla', version: 1, enrollmentId: 'sla/1' };
    const events = [
      recorded({ type: 'complained', data: { complaintId: 'k', category: 'billing', severity: 'high' } }, '2026-01-01T00:00:00Z'),
      recorded({ type: 'playbook_enrolled', data: { ...ref, trigger: { eventId: 'e-0' }, holdout: false } }, '2026-01-01T00:00:00Z'),
      recorded({ type: 'action_requested', data: { ...ref, step: 1, actionId: 'sla/1/c/1/1', action: { kind: 'task', title: 'Call' } } }, '2026-01-02T00:00:00Z'),
      recorded({ type: 'action_suppressed', data: { ...ref, step: 2, actionId: 'sla/1/c/1/2', reason: 'NO_CONSENT' } }, '2026-01-02T00:00:00Z'),
      recorded({ type: 'action_acknowledged', data: { actionId: 'sla/1/c/1/1', playbookId: 'sla', status: 'failed', detail: 'no agent' } }, '2026-01-03T00:00:00Z'),
      // A suppressed action was never requested: nothing to mark. An unknown action: nothing either.
      recorded({ type: 'action_acknowledged', data: { actionId: 'sla/1/c/1/2', playbookId: 'sla', status: 'delivered' } }, '2026-01-03T00:00:00Z'),
      recorded({ type: 'action_acknowledged', data: { actionId: 'sla/1/c/1/9', playbookId: 'sla', status: 'delivered' } }, '2026-01-03T00:00:00Z'),
    ];
    const view = events.reduce<CustomerView | undefined>(projectCustomerView, undefined)!;
    expect(view.revision).toBe(6);
    expect(view.playbooks!.recentActions).toEqual([
      { actionId: 'sla/1/c/1/1', playbookId: 'sla', kind: 'task', status: 'requested', decidedAt: '2026-01-02T00:00:00Z', delivery: 'failed' },
      { actionId: 'sla/1/c/1/2', playbookId: 'sla', status: 'suppressed', reason: 'NO_CONSENT', decidedAt: '2026-01-02T00:00:00Z' },
    ]);
    const facts = events.reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    const { revision: _r, ...rest } = events.slice(0, 4).reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    expect(facts).toMatchObject(rest);
    expect(facts.revision).toBe(6);
  });
});

/** What the offer-contacts projection writes for one event. */
function offerWrites(event: RecordedCustomerEvent) {
  if (offerContactsProjection.kind !== 'event') throw new Error('offer contacts are an event projection');
  return offerContactsProjection.project(event);
}

describe('offer contacts projection', () => {
  it('inserts each contact that cites a campaign or an offer once, keyed by customer and revision; the facts keep no contact', () => {
    const events = history();
    expect(events.flatMap(offerWrites)).toEqual([
      {
        type: 'insert',
        collection: offerContacts,
        document: {
          _id: 'c/0000000000000001',
          revision: 1,
          customerId: 'c',
          contact: { occurredAt: '2026-01-05T00:00:00Z', channel: 'email', direction: 'outbound', offerId: 'o-1' },
        },
      },
    ]);
    // Contacts leave the facts document as it was: its size does not grow with them.
    const facts = events.reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    const withoutContacts = events.filter((e) => e.type !== 'contacted').reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    expect(JSON.stringify({ ...facts, revision: 0 })).toBe(JSON.stringify({ ...withoutContacts, revision: 0 }));
  });

  it('drops the contacts a facts document projected before this read model listed, on its next event', () => {
    const events = history();
    const before = events.slice(0, 3).reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    const legacy = { ...before, contacts: [{ occurredAt: '2026-01-05T00:00:00Z', channel: 'email', direction: 'outbound', offerId: 'o-1' }] };
    const next = projectCustomerFacts(legacy, events[3]!);
    expect(next).not.toHaveProperty('contacts');
    expect(next).toEqual(projectCustomerFacts(before, events[3]!));
  });
});

describe('customer facts projection', () => {
  const facts = history().reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;

  it('keeps every dated fact the analyses need', () => {
    expect(facts.purchases.map((p) => [p.orderId, p.amount, p.currency])).toEqual([
      ['a', 1000, 'EUR'],
      ['b', 250, 'USD'],
    ]);
    expect(facts.complaints).toEqual([
      { complaintId: 'x', category: 'billing', severity: 'low', openedAt: '2026-01-11T00:00:00Z', resolvedAt: '2026-01-12T00:00:00Z' },
    ]);
    expect(facts.winBacks).toEqual([{ via: 'offer', campaignId: 'back', occurredAt: '2026-03-01T00:00:00Z' }]);
  });

  it('records each stage entered with the business time of the event that moved it', () => {
    expect(facts.stages).toEqual([
      { stage: 'prospect', occurredAt: '2026-01-01T00:00:00Z' },
      { stage: 'customer', occurredAt: '2026-01-10T00:00:00Z' },
      { stage: 'repeat', occurredAt: '2026-01-03T00:00:00+02:00' },
      { stage: 'churned', occurredAt: '2026-02-01T00:00:00Z' },
      { stage: 'repeat', occurredAt: '2026-03-01T00:00:00Z' },
    ]);
  });
});

describe('timeline projection', () => {
  it('keys entries by revision and sorts by business time across offsets', () => {
    const entries = history().map(projectTimelineEntry);
    const late = entries.find((e) => e.revision === 4)!;
    expect(late.occurredAtMs).toBe(Date.parse('2026-01-02T22:00:00Z'));
    const order = [...entries].sort((a, b) => a.occurredAtMs - b.occurredAtMs || a.revision - b.revision).map((e) => e.revision);
    expect(order).toEqual([0, 2, 4, 1, 3, 5, 6, 7, 8]);
  });
});

describe('personal data erased', () => {
  const events = history();
  const live = events.reduce<CustomerView | undefined>(projectCustomerView, undefined)!;
  const erasure = recorded({ type: 'personal_data_erased', data: {} }, '2026-06-01T00:00:00Z');
  const after = projectCustomerView(live, erasure);

  it('drops name, email, phone and attributes from the 360 and says when', () => {
    expect(after).not.toHaveProperty('name');
    expect(after.attributes).toStrictEqual({});
    expect(after.personalDataErasedAt).toBe('2026-06-01T00:00:00Z');
    expect(after.revision).toBe(erasure.revision);
  });

  it('records the latest erasure and its revision, so a reader can ask whether its keys are gone', () => {
    expect(live).not.toHaveProperty('erasure');
    expect(after.erasure).toStrictEqual({ requestedAt: '2026-06-01T00:00:00Z', revision: erasure.revision });
  });

  it('keeps everything else: stage, spend, complaints, churns, and the customer activity dates', () => {
    const { name: _n, attributes: _a, revision: _r, updatedAt: _u, ...kept } = live;
    expect(after).toMatchObject(kept);
    expect(after.lastActivityAt).toBe(live.lastActivityAt);
  });

  it('a timeline entry loses its personal fields and is marked, other fields stay', () => {
    const complaint = recorded(
      { type: 'complained', data: { complaintId: 'y', category: 'delivery', severity: 'high', description: 'left in the rain' } },
      '2026-01-20T00:00:00Z',
    );
    const redacted = redactTimelineEntry(projectTimelineEntry(complaint));
    expect(redacted.data).toStrictEqual({ complaintId: 'y', category: 'delivery', severity: 'high' });
    expect(redacted.personalDataErased).toBe(true);
    const identified = redactTimelineEntry(projectTimelineEntry(events[0]!));
    expect(identified.data).toStrictEqual({});
    // redacting twice changes nothing (replays converge)
    expect(redactTimelineEntry(redacted)).toStrictEqual(redacted);
  });

  it('the facts that analytics read are unchanged', () => {
    const facts = events.reduce<CustomerFacts | undefined>(projectCustomerFacts, undefined)!;
    const { revision: _r, ...rest } = facts;
    expect(projectCustomerFacts(facts, erasure)).toMatchObject(rest);
  });
});

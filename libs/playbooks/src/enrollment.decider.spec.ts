// The enrollment process manager, given a customer's stream, when an input
// arrives, then these decisions. A small runner here appends each decision to
// the stream, as the real one does, so the next input sees them.
import fc from 'fast-check';
import type { CustomerEventBody, RecordedCustomerEvent } from '@rapport/domain';
import { decideEnrollment, foldEnrollment, holdoutPoint, initialEnrollmentState, nextDueAt, reenrollableFrom, type EnrollmentContext, type EnrollmentDecision, type EnrollmentInput, type PublishedPlaybook } from './enrollment.decider';
import { checkPlaybookDefinition } from './playbook-definition';
import { expandTemplate } from './playbook-templates';

const customer: EnrollmentContext = {
  stage: 'repeat',
  segment: 'Champions',
  pAlive: 0.2,
  clv: 50_000,
  valueRank: 0.1,
  openComplaints: 1,
  purchasesCount: 3,
  consent: { email: { marketing: { granted: true, changedAt: '2026-01-01T00:00:00Z' } } },
  consentDefault: 'opt-in',
  erased: false,
  contactsLeft: 1,
};

function published(input: unknown, playbookId = 'pb', version = 1): PublishedPlaybook {
  const check = expandTemplate(input);
  if (!check.ok) throw new Error(JSON.stringify(check.errors));
  return { playbookId, version, definition: check.definition };
}

/** A customer's stream, and the decisions appended to it as the runner would. */
class Stream {
  readonly events: RecordedCustomerEvent[] = [];
  constructor(readonly customerId = 'c-1') {}

  record(body: CustomerEventBody, occurredAt: string, eventId = `e-${this.events.length}`): RecordedCustomerEvent {
    const event = {
      ...body,
      eventId,
      occurredAt,
      metadata: {},
      customerId: this.customerId,
      recordedAt: occurredAt,
      revision: this.events.length,
      position: this.events.length,
      hash: '0'.repeat(64),
    } as RecordedCustomerEvent;
    this.events.push(event);
    return event;
  }

  /** Decides on the input and appends what it decided; answers the decisions. */
  decide(playbook: PublishedPlaybook, input: EnrollmentInput): EnrollmentDecision[] {
    const decisions = decideEnrollment(input, playbook, this.customerId, foldEnrollment(playbook.playbookId, this.events));
    for (const decision of decisions) this.record(decision.body, decision.occurredAt, `d-${decision.key}`);
    return decisions;
  }

  /** Records a customer event and lets the playbook see it. */
  happen(playbook: PublishedPlaybook, body: CustomerEventBody, occurredAt: string, now = occurredAt, context = customer): EnrollmentDecision[] {
    const event = this.record(body, occurredAt);
    return this.decide(playbook, { kind: 'event', event, now, context });
  }
}

const types = (decisions: readonly EnrollmentDecision[]) => decisions.map((d) => [d.body.type, d.occurredAt]);
const complaint = (complaintId: string, severity: 'low' | 'high' = 'high'): CustomerEventBody => ({
  type: 'complained',
  data: { complaintId, category: 'billing', severity },
});

describe('complaint-sla', () => {
  const sla = published({ template: 'complaint-sla', params: { sla: 'PT48H' } });

  it('a complaint that occurred 3 days ago under a 48-hour SLA escalates at once, dated when it fell due', () => {
    const stream = new Stream();
    const decisions = stream.happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z', '2026-03-04T09:00:00Z');
    expect(types(decisions)).toEqual([
      ['playbook_enrolled', '2026-03-01T09:00:00Z'],
      ['action_requested', '2026-03-03T09:00:00.000Z'],
      ['playbook_exited', '2026-03-03T09:00:00.000Z'],
    ]);
    expect(decisions[1]!.body).toMatchObject({ data: { actionId: 'pb/1/c-1/1/1', step: 1, action: { kind: 'task', priority: 'urgent' } } });
    expect(decisions[2]!.body).toMatchObject({ data: { outcome: 'completed' } });
  });

  it('waits while the SLA runs, then escalates once when due', () => {
    const stream = new Stream();
    expect(types(stream.happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z'))).toEqual([['playbook_enrolled', '2026-03-01T09:00:00Z']]);
    expect(stream.decide(sla, { kind: 'due', now: '2026-03-03T08:59:59Z', context: customer })).toEqual([]);
    expect(types(stream.decide(sla, { kind: 'due', now: '2026-03-03T09:00:00Z', context: customer }))).toEqual([
      ['action_requested', '2026-03-03T09:00:00.000Z'],
      ['playbook_exited', '2026-03-03T09:00:00.000Z'],
    ]);
    // Due again, later, and after a restart (a fresh fold of the stream): nothing twice.
    expect(stream.decide(sla, { kind: 'due', now: '2026-03-10T00:00:00Z', context: customer })).toEqual([]);
  });

  it('a complaint resolved before its SLA never escalates; another complaint is an enrollment of its own', () => {
    const stream = new Stream();
    stream.happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z');
    stream.happen(sla, complaint('k-2'), '2026-03-01T10:00:00Z');
    const resolved = stream.happen(sla, { type: 'complaint_resolved', data: { complaintId: 'k-1', resolution: 'refund' } }, '2026-03-02T09:00:00Z');
    expect(resolved.map((d) => [d.body.type, (d.body.data as { enrollmentId: string }).enrollmentId])).toEqual([['playbook_exited', 'pb/1']]);
    expect(resolved[0]!.body).toMatchObject({ data: { outcome: 'exited', eventId: 'e-4' } });
    const due = stream.decide(sla, { kind: 'due', now: '2026-03-05T00:00:00Z', context: customer });
    expect(due.map((d) => [d.body.type, (d.body.data as { enrollmentId: string }).enrollmentId])).toEqual([
      ['action_requested', 'pb/2'],
      ['playbook_exited', 'pb/2'],
    ]);
  });

  it('says when the clock is next needed: the SLA’s end, none once every enrollment ended', () => {
    const stream = new Stream();
    stream.happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z');
    stream.happen(sla, complaint('k-2'), '2026-03-01T08:00:00Z');
    expect(nextDueAt(sla, foldEnrollment('pb', stream.events))).toBe('2026-03-03T08:00:00.000Z');
    stream.decide(sla, { kind: 'due', now: '2026-03-03T08:30:00Z', context: customer });
    expect(nextDueAt(sla, foldEnrollment('pb', stream.events))).toBe('2026-03-03T09:00:00.000Z');
    stream.decide(sla, { kind: 'due', now: '2026-03-03T09:00:00Z', context: customer });
    expect(nextDueAt(sla, foldEnrollment('pb', stream.events))).toBeUndefined();
  });

  it('a runner that lags meets what followed the trigger: a complaint resolved before it got there never escalates', () => {
    const stream = new Stream();
    const complained = stream.record(complaint('k-1'), '2026-03-01T09:00:00Z');
    const resolved = stream.record({ type: 'complaint_resolved', data: { complaintId: 'k-1', resolution: 'refund' } }, '2026-03-02T09:00:00Z');
    const decisions = decideEnrollment({ kind: 'event', event: complained, now: '2026-03-05T00:00:00Z', context: customer, later: [resolved] }, sla, 'c-1', foldEnrollment('pb', stream.events));
    expect(types(decisions)).toEqual([
      ['playbook_enrolled', '2026-03-01T09:00:00Z'],
      ['playbook_exited', '2026-03-02T09:00:00Z'],
    ]);
    expect(decisions[1]!.body).toMatchObject({ data: { outcome: 'exited', eventId: resolved.eventId } });
    // Resolved after the SLA: the escalation went out first, then the resolution ended it.
    const late = new Stream();
    const first = late.record(complaint('k-2'), '2026-03-01T09:00:00Z');
    const afterSla = late.record({ type: 'complaint_resolved', data: { complaintId: 'k-2', resolution: 'refund' } }, '2026-03-04T09:00:00Z');
    expect(types(decideEnrollment({ kind: 'event', event: first, now: '2026-03-05T00:00:00Z', context: customer, later: [afterSla] }, sla, 'c-1', initialEnrollmentState))).toEqual([
      ['playbook_enrolled', '2026-03-01T09:00:00Z'],
      ['action_requested', '2026-03-03T09:00:00.000Z'],
      ['playbook_exited', '2026-03-03T09:00:00.000Z'],
    ]);
  });

  it('a trigger filter leaves other complaints out', () => {
    const severe = published({ template: 'complaint-sla', params: { sla: 'PT1H', severities: ['high', 'critical'] } });
    expect(new Stream().happen(severe, complaint('k-1', 'low'), '2026-03-01T09:00:00Z')).toEqual([]);
  });
});

describe('win-back', () => {
  const winBack = published({ template: 'win-back', params: { pAliveBelow: 0.3, offerId: 'WB-10', holdout: 0 } });
  const fired = (stream: Stream, at: string, context = customer) => stream.decide(winBack, { kind: 'signal', signal: 'p_alive_below', firedAt: at, now: at, context });

  it('offers to a valuable customer whose P(alive) fell, and a purchase within the goal window converts', () => {
    const stream = new Stream();
    expect(types(fired(stream, '2026-04-01T00:00:00Z'))).toEqual([
      ['playbook_enrolled', '2026-04-01T00:00:00Z'],
      ['action_requested', '2026-04-01T00:00:00Z'],
    ]);
    const bought = stream.happen(winBack, { type: 'purchased', data: { orderId: 'o-9', amount: 4000, currency: 'USD' } }, '2026-04-20T00:00:00Z');
    expect(bought.map((d) => d.body)).toEqual([{ type: 'playbook_exited', data: { playbookId: 'pb', version: 1, enrollmentId: 'pb/1', outcome: 'converted', eventId: 'e-2' } }]);
  });

  it('without a purchase in the window the goal is missed, dated at the window’s end', () => {
    const stream = new Stream();
    fired(stream, '2026-04-01T00:00:00Z');
    expect(types(stream.decide(winBack, { kind: 'due', now: '2026-06-01T00:00:00Z', context: customer }))).toEqual([['playbook_exited', '2026-05-01T00:00:00.000Z']]);
  });

  it('leaves out a customer the conditions do not admit (not among the most valuable)', () => {
    expect(fired(new Stream(), '2026-04-01T00:00:00Z', { ...customer, valueRank: 0.5 })).toEqual([]);
  });

  it.each([
    ['NO_CONSENT', { ...customer, consent: undefined }],
    ['ERASED', { ...customer, erased: true }],
    ['CONTACT_CAP', { ...customer, contactsLeft: 0 }],
  ] as const)('suppresses the offer with %s, and records why', (reason, context) => {
    const decisions = fired(new Stream(), '2026-04-01T00:00:00Z', context);
    expect(decisions[1]!.body).toEqual({ type: 'action_suppressed', data: { playbookId: 'pb', version: 1, enrollmentId: 'pb/1', step: 0, actionId: 'pb/1/c-1/1/0', reason } });
  });

  it('spends the contact cap within one decision: two messages due at once under a cap of one send one', () => {
    const check = checkPlaybookDefinition({
      name: 'Two messages',
      trigger: { event: 'qualified' },
      steps: [{ action: { kind: 'message', templateId: 'a', channel: 'email' } }, { wait: 'PT1H' }, { action: { kind: 'message', templateId: 'b', channel: 'email' } }],
    });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    const twice: PublishedPlaybook = { playbookId: 'pb', version: 1, definition: check.definition };
    const decisions = new Stream().happen(twice, { type: 'qualified', data: { score: 70 } }, '2026-04-01T00:00:00Z', '2026-04-01T03:00:00Z', { ...customer, contactsLeft: 1 });
    expect(decisions.map((d) => [d.body.type, (d.body.data as { reason?: string }).reason ?? null])).toEqual([
      ['playbook_enrolled', null],
      ['action_requested', null],
      ['action_suppressed', 'CONTACT_CAP'],
      ['playbook_exited', null],
    ]);
  });

  it('re-enrolls only after the re-enrollment wait from the last exit', () => {
    const stream = new Stream();
    fired(stream, '2026-04-01T00:00:00Z');
    stream.decide(winBack, { kind: 'due', now: '2026-05-02T00:00:00Z', context: customer }); // goal missed on 1 May
    expect(fired(stream, '2026-06-01T00:00:00Z')).toEqual([]);
    expect(types(fired(stream, '2026-08-01T00:00:00Z'))[0]).toEqual(['playbook_enrolled', '2026-08-01T00:00:00Z']);
  });
});

describe('steps and holdout', () => {
  it('an if that no longer holds ends the enrollment before its action', () => {
    const nurture = published({ template: 'lead-nurture', params: { after: 'P7D', maxTouches: 2 } });
    const stream = new Stream();
    const prospect = { ...customer, stage: 'prospect' as const };
    const first = stream.decide(nurture, { kind: 'signal', signal: 'stage_for', firedAt: '2026-01-08T00:00:00Z', now: '2026-01-08T00:00:00Z', context: prospect });
    expect(types(first).map(([type]) => type)).toEqual(['playbook_enrolled', 'action_requested']);
    const later = stream.decide(nurture, { kind: 'due', now: '2026-01-20T00:00:00Z', context: { ...prospect, stage: 'customer' } });
    expect(later.map((d) => d.body)).toEqual([{ type: 'playbook_exited', data: { playbookId: 'pb', version: 1, enrollmentId: 'pb/1', outcome: 'condition_false' } }]);
  });

  it('a control enrollment is recorded, its action recorded as held back (HOLDOUT), never requested, and its goal still tracked', () => {
    const controlled = published({ template: 'win-back', params: { pAliveBelow: 0.3, offerId: 'WB', holdout: 0.5 } });
    // Find a customer the hash puts in the control group.
    const id = Array.from({ length: 100 }, (_, i) => `c-${i}`).find((c) => holdoutPoint(`pb\u0000${c}\u00001`) < 0.5)!;
    const stream = new Stream(id);
    const decisions = stream.decide(controlled, { kind: 'signal', signal: 'p_alive_below', firedAt: '2026-04-01T00:00:00Z', now: '2026-04-01T00:00:00Z', context: customer });
    expect(decisions.map((d) => d.body.type)).toEqual(['playbook_enrolled', 'action_suppressed']);
    expect(decisions[0]!.body).toMatchObject({ data: { holdout: true } });
    expect(decisions[1]!.body).toMatchObject({ data: { reason: 'HOLDOUT' } });
    expect(stream.happen(controlled, { type: 'purchased', data: { orderId: 'o', amount: 1, currency: 'USD' } }, '2026-04-02T00:00:00Z')[0]!.body).toMatchObject({
      data: { outcome: 'converted' },
    });
  });

  it('assigns about the holdout share to the control group, deterministically', () => {
    const points = Array.from({ length: 2000 }, (_, i) => holdoutPoint(`win-back\u0000customer-${i}\u00001`));
    const control = points.filter((p) => p < 0.2).length / points.length;
    expect(control).toBeGreaterThan(0.17);
    expect(control).toBeLessThan(0.23);
    expect(holdoutPoint('win-back\u0000customer-7\u00001')).toBe(points[7]);
  });
});

describe('keys, replays and versions', () => {
  const sla = published({ template: 'complaint-sla', params: { sla: 'PT1H' } });

  it('keys every decision by customer too: two customers’ first enrollments never share a key', () => {
    const keys = ['c-1', 'c-2'].flatMap((id) => new Stream(id).happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z', '2026-03-02T00:00:00Z').map((d) => d.key));
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
  });

  it('a signal delivered twice enrolls once, even where every signal may re-enroll', () => {
    const churn = published({ template: 'inactivity-churn', params: { noPurchaseFor: 'P90D' } });
    const stream = new Stream();
    const fire = () => stream.decide(churn, { kind: 'signal', signal: 'no_purchase_for', firedAt: '2026-05-01T00:00:00Z', now: '2026-05-01T00:00:00Z', context: customer });
    expect(fire().map((d) => d.body.type)).toEqual(['playbook_enrolled', 'action_requested', 'playbook_exited']);
    expect(fire()).toEqual([]);
  });

  it('folding the stream in parts gives what folding it whole gives: the exit rule still matches', () => {
    const stream = new Stream();
    stream.happen(sla, complaint('k-1'), '2026-03-01T09:00:00Z');
    const resolved = stream.record({ type: 'complaint_resolved', data: { complaintId: 'k-1', resolution: 'r' } }, '2026-03-01T09:30:00Z');
    const state = foldEnrollment('pb', stream.events.slice(1), foldEnrollment('pb', stream.events.slice(0, 1)));
    expect(state).toEqual(foldEnrollment('pb', stream.events));
    const decided = decideEnrollment({ kind: 'event', event: resolved, now: resolved.occurredAt, context: customer }, sla, stream.customerId, foldEnrollment('pb', stream.events.slice(0, 2)));
    expect(decided.map((d) => d.body)).toEqual([{ type: 'playbook_exited', data: { playbookId: 'pb', version: 1, enrollmentId: 'pb/1', outcome: 'exited', eventId: resolved.eventId } }]);
  });

  it('a running enrollment follows the version it started on; new ones follow the latest', () => {
    const v1 = published({ template: 'complaint-sla', params: { sla: 'PT1H' } });
    const stream = new Stream();
    stream.happen(v1, complaint('k-1'), '2026-03-01T09:00:00Z');
    const v2: PublishedPlaybook = { ...published({ template: 'complaint-sla', params: { sla: 'PT48H' } }, 'pb', 2), earlier: new Map([[1, v1.definition]]) };
    const due = stream.decide(v2, { kind: 'due', now: '2026-03-01T10:00:00Z', context: customer });
    expect(due.map((d) => [d.body.type, (d.body.data as { version: number }).version])).toEqual([
      ['action_requested', 1],
      ['playbook_exited', 1],
    ]);
    const next = stream.happen(v2, complaint('k-2'), '2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z');
    expect(next.map((d) => [d.body.type, (d.body.data as { version: number }).version])).toEqual([['playbook_enrolled', 2]]);
    // An enrollment on a version the caller no longer passes is an error, never run on another version's steps.
    const running = new Stream('c-2');
    running.happen(v1, complaint('k-1'), '2026-03-01T09:00:00Z');
    expect(() => running.decide({ ...v2, earlier: new Map() }, { kind: 'due', now: '2026-03-10T00:00:00Z', context: customer })).toThrow(/version 1 is not known/);
  });

  it('ends at the goal window’s end, before later steps, never dated before a decision it follows', () => {
    const check = checkPlaybookDefinition({
      name: 'two touches',
      trigger: { event: 'identified' },
      steps: [{ action: { kind: 'task', title: 'a' } }, { wait: 'P10D' }, { action: { kind: 'task', title: 'b' } }],
      goal: { event: 'purchased', within: 'P5D' },
    });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    const playbook: PublishedPlaybook = { playbookId: 'pb', version: 1, definition: check.definition };
    const stream = new Stream();
    stream.happen(playbook, { type: 'identified', data: {} }, '2026-03-01T00:00:00Z');
    const later = stream.decide(playbook, { kind: 'due', now: '2026-03-20T00:00:00Z', context: customer });
    expect(types(later)).toEqual([['playbook_exited', '2026-03-06T00:00:00.000Z']]);
    expect(later[0]!.body).toMatchObject({ data: { outcome: 'goal_missed' } });
  });

  it('dates an exit by a failing if when it was checked, not before', () => {
    const check = checkPlaybookDefinition({
      name: 'check then act',
      trigger: { event: 'identified' },
      steps: [{ wait: 'P1D' }, { if: [{ field: 'stage', op: 'eq', value: 'prospect' }] }, { wait: 'P2D' }, { action: { kind: 'task', title: 't' } }],
    });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    const playbook: PublishedPlaybook = { playbookId: 'pb', version: 1, definition: check.definition };
    const stream = new Stream();
    stream.happen(playbook, { type: 'identified', data: {} }, '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', { ...customer, stage: 'prospect' });
    const exited = stream.decide(playbook, { kind: 'due', now: '2026-03-02T12:00:00Z', context: { ...customer, stage: 'customer' } });
    expect(types(exited)).toEqual([['playbook_exited', '2026-03-02T12:00:00Z']]);
  });

  it('refuses a clock that is not an instant rather than running every wait', () => {
    expect(() => new Stream().decide(sla, { kind: 'due', now: 'soon', context: customer })).toThrow(RangeError);
  });
});

describe('once', () => {
  const sla = published({ template: 'complaint-sla', params: { sla: 'PT48H' } });
  const instants = fc.integer({ min: 0, max: 10 * 24 }).map((h) => new Date(Date.parse('2026-03-01T00:00:00Z') + h * 3_600_000).toISOString());

  it('replaying any history through the decider again decides nothing new, and deciding is deterministic', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('complaint' as const), id: fc.constantFrom('k-1', 'k-2', 'k-3'), at: instants }),
            fc.record({ kind: fc.constant('resolve' as const), id: fc.constantFrom('k-1', 'k-2', 'k-3'), at: instants }),
            fc.record({ kind: fc.constant('due' as const), at: instants }),
          ),
          { maxLength: 12 },
        ),
        (steps) => {
          const stream = new Stream();
          let now = '2026-03-01T00:00:00Z';
          for (const step of steps) {
            now = step.at > now ? step.at : now;
            if (step.kind === 'due') stream.decide(sla, { kind: 'due', now, context: customer });
            else if (step.kind === 'complaint') stream.happen(sla, complaint(step.id), step.at, now);
            else stream.happen(sla, { type: 'complaint_resolved', data: { complaintId: step.id, resolution: 'r' } }, step.at, now);
          }
          // Every customer event shown again, and the clock again: nothing new.
          const state = foldEnrollment('pb', stream.events);
          for (const event of stream.events.filter((e) => e.type === 'complained' || e.type === 'complaint_resolved')) {
            const input: EnrollmentInput = { kind: 'event', event, now, context: customer };
            expect(decideEnrollment(input, sla, stream.customerId, state)).toEqual([]);
          }
          expect(decideEnrollment({ kind: 'due', now, context: customer }, sla, stream.customerId, state)).toEqual([]);
          // Each decision key once.
          const keys = stream.events.filter((e) => e.eventId.startsWith('d-')).map((e) => e.eventId);
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('reenrollableFrom', () => {
  const days = fc.integer({ min: 0, max: 120 }).map((d) => new Date(Date.parse('2026-03-01T00:00:00Z') + d * 86_400_000).toISOString());
  const lapsed = (reenroll: string) => {
    const check = checkPlaybookDefinition({
      name: 'Lapsed',
      trigger: { signal: 'no_purchase_for', duration: 'P30D' },
      steps: [{ action: { kind: 'task', title: 'call' } }, { wait: 'P10D' }, { action: { kind: 'task', title: 'again' } }],
      reenroll,
    });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    return { playbookId: 'pb', version: 1, definition: check.definition } satisfies PublishedPlaybook;
  };

  it('never enrolls a customer it says cannot be enrolled before a signal’s instant, and says so for every such customer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('never', 'always', 'P20D'),
        fc.array(fc.record({ kind: fc.constantFrom('signal' as const, 'due' as const), at: days }), { maxLength: 10 }),
        days,
        (reenroll, steps, probe) => {
          const playbook = lapsed(reenroll);
          const stream = new Stream();
          let now = '2026-03-01T00:00:00Z';
          for (const step of [...steps].sort((a, b) => a.at.localeCompare(b.at))) {
            now = step.at;
            stream.decide(playbook, step.kind === 'signal' ? { kind: 'signal', signal: 'no_purchase_for', firedAt: now, now, context: customer } : { kind: 'due', now, context: customer });
          }
          const at = probe > now ? probe : now;
          const state = foldEnrollment('pb', stream.events);
          const from = reenrollableFrom(playbook.definition, state);
          const blocked = from === 'never' || (from !== undefined && Date.parse(at) < Date.parse(from));
          const enrolls = decideEnrollment({ kind: 'signal', signal: 'no_purchase_for', firedAt: at, now: at, context: customer }, playbook, 'c-1', state).some(
            (d) => d.body.type === 'playbook_enrolled',
          );
          // Exact, both ways: blocked means the signal could not enroll; not blocked, a fresh signal does.
          expect(enrolls).toBe(!blocked && !state.triggeredBy.includes(`no_purchase_for@${at}`));
        },
      ),
      { numRuns: 300 },
    );
  });
});

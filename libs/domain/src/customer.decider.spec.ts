// The customer decider, rule by rule (SPEC section 3), as
//   given(...history).when(event).thenRecords(...) | thenRefuses(code) | thenDuplicate(eventId)
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  CUSTOMER_STATE_SCHEMA,
  decide,
  distinctOrders,
  evolve,
  fold,
  FUTURE_TOLERANCE_MS,
  initialState,
  type CustomerState,
  type Decision,
  type PriorRecord,
} from './customer.decider';
import type {
  ChurnReason,
  ComplainedData,
  ComplaintResolvedData,
  ContactedData,
  CustomerEvent,
  CustomerEventType,
  EventDataByType,
  EventMetadata,
  IdentifiedData,
  PurchasedData,
  WinBackVia,
  WonBackData,
} from './events';
import { STAGES } from './loop';
import { REFUSAL_CODES, type RefusalCode } from './refusal';

// ---------------------------------------------------------------------------
// Test vocabulary
// ---------------------------------------------------------------------------

const NOW = '2026-03-01T12:00:00.000Z';
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
/** An instant relative to NOW. */
const at = (offsetMs: number): string => new Date(Date.parse(NOW) + offsetMs).toISOString();

let sequence = 0;
/** A fresh UUID-shaped id, unique within the test run. */
function newId(): string {
  sequence += 1;
  return `00000000-0000-4000-8000-${sequence.toString(16).padStart(12, '0')}`;
}

interface EnvelopeOptions {
  eventId?: string;
  occurredAt?: string;
  metadata?: EventMetadata;
}

function event<K extends CustomerEventType>(
  type: K,
  data: EventDataByType[K],
  options: EnvelopeOptions = {},
): CustomerEvent {
  return {
    eventId: options.eventId ?? newId(),
    type,
    data,
    occurredAt: options.occurredAt ?? at(-DAY),
    metadata: options.metadata ?? {},
  } as CustomerEvent;
}

const identified = (data: IdentifiedData = { name: 'Ada Lovelace' }, o?: EnvelopeOptions) =>
  event('identified', data, o);
const contacted = (data: Partial<ContactedData> = {}, o?: EnvelopeOptions) =>
  event('contacted', { channel: 'email', direction: 'outbound', ...data }, o);
const qualified = (score: number, o?: EnvelopeOptions) => event('qualified', { score }, o);
const purchased = (orderId: string, data: Partial<PurchasedData> = {}, o?: EnvelopeOptions) =>
  event('purchased', { orderId, amount: 4999, currency: 'EUR', ...data }, o);
const complained = (complaintId: string, data: Partial<ComplainedData> = {}, o?: EnvelopeOptions) =>
  event('complained', { complaintId, category: 'delivery', severity: 'medium', ...data }, o);
const resolved = (complaintId: string, data: Partial<ComplaintResolvedData> = {}, o?: EnvelopeOptions) =>
  event('complaint_resolved', { complaintId, resolution: 'refunded', ...data }, o);
const churned = (reason: ChurnReason = 'voluntary', o?: EnvelopeOptions) => event('churned', { reason }, o);
const wonBack = (via: WinBackVia = 'offer', data: Partial<WonBackData> = {}, o?: EnvelopeOptions) =>
  event('won_back', { via, ...data }, o);
const erased = (o?: EnvelopeOptions) => event('personal_data_erased', {}, o);

/** The same event, sent again with a new eventId (a re-emission, not a retry). */
const reEmitted = (e: CustomerEvent): CustomerEvent => ({ ...e, eventId: newId() });

interface WhenOptions {
  now?: string;
  implicitEventId?: string;
  /** What the log holds under the event's id; by default, whatever the given history holds. */
  recorded?: PriorRecord;
}

/** The log's answer to "is this eventId recorded?", for a history of one stream. */
function priorIn(history: readonly CustomerEvent[], eventId: string): PriorRecord | undefined {
  const revision = history.findIndex((h) => h.eventId === eventId);
  return revision < 0 ? undefined : { event: history[revision]!, revision, sameStream: true };
}

function command(e: CustomerEvent, history: readonly CustomerEvent[], options: WhenOptions = {}) {
  const recorded = options.recorded ?? priorIn(history, e.eventId);
  return {
    kind: 'RecordEvent' as const,
    event: e,
    now: options.now ?? NOW,
    implicitEventId: options.implicitEventId ?? newId(),
    ...(recorded ? { recorded } : {}),
  };
}

class Then {
  constructor(
    readonly before: CustomerState,
    readonly decision: Decision,
  ) {}

  /** The decision records exactly these events; returns the state after them. */
  thenRecords(...expected: CustomerEvent[]): CustomerState {
    expect(this.decision).toStrictEqual({ outcome: 'accepted', events: expected });
    return fold(expected, this.before);
  }

  thenRefuses(code: RefusalCode): void {
    expect(this.decision).toMatchObject({ outcome: 'refused', refusal: { code } });
    if (this.decision.outcome === 'refused') expect(this.decision.refusal.message).toEqual(expect.any(String));
  }

  /** A duplicate records nothing and names the event first recorded. */
  thenDuplicate(originalEventId?: string): void {
    expect(this.decision.outcome).toBe('duplicate');
    if (originalEventId !== undefined) expect(this.decision).toStrictEqual({ outcome: 'duplicate', eventId: originalEventId });
  }
}

function given(...history: CustomerEvent[]) {
  const state = fold(history);
  return {
    state,
    when(e: CustomerEvent, options: WhenOptions = {}): Then {
      return new Then(state, decide(command(e, history, options), state));
    },
  };
}

/** Sends each event through decide, applying what is accepted, as the write side does. */
function sendAll(...events: CustomerEvent[]): { state: CustomerState; outcomes: Decision['outcome'][] } {
  let state = initialState;
  const recorded: CustomerEvent[] = [];
  const outcomes: Decision['outcome'][] = [];
  for (const e of events) {
    const decision = decide(command(e, recorded), state);
    outcomes.push(decision.outcome);
    if (decision.outcome === 'accepted') {
      state = fold(decision.events, state);
      recorded.push(...decision.events);
    }
  }
  return { state, outcomes };
}

/** Histories that put a stream in each stage. */
const history = {
  prospect: () => [identified()],
  qualified: () => [identified(), qualified(60)],
  customer: () => [identified(), purchased('o-1')],
  repeat: () => [identified(), purchased('o-1'), purchased('o-2')],
  churnedCustomer: () => [identified(), purchased('o-1'), churned()],
  churnedRepeat: () => [identified(), purchased('o-1'), purchased('o-2'), churned()],
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------

describe('customer decider', () => {
  describe('the first event of a stream', () => {
    it.each([
      ['identified', () => identified()],
      ['contacted', () => contacted()],
      ['complained', () => complained('k-1')],
    ])('%s starts the stream as a prospect', (_type, make) => {
      const e = make();
      const after = given().when(e).thenRecords(e);
      expect(after.stage).toBe('prospect');
      expect(after.version).toBe(1);
    });

    it('qualified as first event enters as a prospect and moves on to qualified', () => {
      const e = qualified(70);
      const after = given().when(e).thenRecords(e);
      expect(after).toMatchObject({ stage: 'qualified', score: 70 });
    });

    it('purchased as first event enters as a prospect and moves on to customer', () => {
      const e = purchased('o-1');
      const after = given().when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(distinctOrders(after)).toBe(1);
    });

    it('churned as first event is refused: a prospect is not a customer', () => {
      given().when(churned()).thenRefuses('NOT_A_CUSTOMER');
    });

    it('won_back as first event is refused: a prospect has not churned', () => {
      given().when(wonBack()).thenRefuses('NOT_CHURNED');
    });

    it('complaint_resolved as first event is refused: there is no open complaint', () => {
      given().when(resolved('k-1')).thenRefuses('COMPLAINT_NOT_OPEN');
    });

    it('the initial state has no stage, no version and nothing recorded', () => {
      expect(initialState).toStrictEqual({
        version: 0,
        stage: null,
        identity: {},
        score: null,
        orders: {},
        orderCount: 0,
        complaints: {},
        churns: [],
        winBacks: [],
        holdsPersonalData: false,
        lastErasure: null,
      });
    });
  });

  describe('identify → prospect', () => {
    it('identified moves a new stream to prospect and records who the customer is', () => {
      const e = identified({ name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 0000', attributes: { tier: 'gold' } });
      const after = given().when(e).thenRecords(e);
      expect(after.stage).toBe('prospect');
      expect(after.identity).toStrictEqual({
        name: 'Ada Lovelace',
        email: 'ada@example.org',
        phone: '+44 20 0000',
        attributes: { tier: 'gold' },
      });
    });

    it.each([
      ['qualified', history.qualified, 'qualified'],
      ['customer', history.customer, 'customer'],
      ['repeat', history.repeat, 'repeat'],
      ['churned', history.churnedCustomer, 'churned'],
    ] as const)('a later identification of a %s keeps the stage', (_name, make, stage) => {
      const e = identified({ email: 'new@example.org' });
      const after = given(...make()).when(e).thenRecords(e);
      expect(after.stage).toBe(stage);
    });

    it('a later identification adds to and corrects the identity, never forgets a field', () => {
      const e = identified({ email: 'ada@new.example', attributes: { region: 'EU', tier: 'platinum' } });
      const after = given(
        identified({ name: 'Ada', email: 'ada@old.example', phone: '+1 555', attributes: { tier: 'gold', source: 'ads' } }),
      )
        .when(e)
        .thenRecords(e);
      expect(after.identity).toStrictEqual({
        name: 'Ada',
        email: 'ada@new.example',
        phone: '+1 555',
        attributes: { tier: 'platinum', source: 'ads', region: 'EU' },
      });
    });

    it('an identification without attributes keeps the known attributes', () => {
      const state = fold([identified({ attributes: { tier: 'gold' } }), identified({ name: 'Ada' })]);
      expect(state.identity).toStrictEqual({ name: 'Ada', attributes: { tier: 'gold' } });
    });
  });

  describe('contacted', () => {
    it.each([
      ['prospect', history.prospect, 'prospect'],
      ['qualified', history.qualified, 'qualified'],
      ['customer', history.customer, 'customer'],
      ['repeat', history.repeat, 'repeat'],
      ['churned', history.churnedCustomer, 'churned'],
    ] as const)('a contact never moves a %s', (_name, make, stage) => {
      const e = contacted({ channel: 'phone', direction: 'inbound', campaignId: 'c-1', offerId: 'f-1', outcome: 'interested' });
      const after = given(...make()).when(e).thenRecords(e);
      expect(after.stage).toBe(stage);
    });
  });

  describe('consent_changed', () => {
    it('starts a stream as a prospect', () => {
      const e = event('consent_changed', { channel: 'email', purpose: 'marketing', granted: true, source: 'preference-centre' });
      expect(given().when(e).thenRecords(e)).toMatchObject({ stage: 'prospect', version: 1 });
    });

    it.each([
      ['customer', history.customer, 'customer'],
      ['churned', history.churnedCustomer, 'churned'],
    ] as const)('never moves a %s, granted or withdrawn, for any channel', (_name, make, stage) => {
      for (const granted of [true, false]) {
        const e = event('consent_changed', { channel: 'all', purpose: 'service', granted });
        expect(given(...make()).when(e).thenRecords(e).stage).toBe(stage);
      }
    });

    it('is a duplicate when sent again with its eventId', () => {
      const e = event('consent_changed', { channel: 'sms', purpose: 'marketing', granted: false });
      given(identified(), e).when(e).thenDuplicate(e.eventId);
    });
  });

  describe('acquire: qualified → qualified', () => {
    it('qualifies a prospect and records the score', () => {
      const e = qualified(42);
      const after = given(...history.prospect()).when(e).thenRecords(e);
      expect(after).toMatchObject({ stage: 'qualified', score: 42 });
    });

    it.each([0, 100])('accepts the boundary score %i', (score) => {
      const e = qualified(score);
      expect(given(identified()).when(e).thenRecords(e).score).toBe(score);
    });

    it('re-qualifying a qualified prospect updates the score', () => {
      const e = qualified(90);
      const after = given(...history.qualified()).when(e).thenRecords(e);
      expect(after).toMatchObject({ stage: 'qualified', score: 90 });
    });

    it.each([
      ['customer', history.customer, 'customer'],
      ['repeat', history.repeat, 'repeat'],
      ['churned', history.churnedCustomer, 'churned'],
    ] as const)('re-qualifying a %s keeps the stage but updates the score', (_name, make, stage) => {
      const e = qualified(15);
      const after = given(...make(), qualified(80)).when(e).thenRecords(e);
      expect(after).toMatchObject({ stage, score: 15 });
    });
  });

  describe('nurture: purchased → customer; retain: second distinct order → repeat', () => {
    it.each([
      ['prospect', history.prospect],
      ['qualified', history.qualified],
    ] as const)('the first purchase of a %s makes a customer', (_name, make) => {
      const e = purchased('o-1', { campaignId: 'c-1', offerId: 'f-1' });
      const after = given(...make()).when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(Object.keys(after.orders)).toEqual(['o-1']);
    });

    it('a second distinct order makes a repeat customer', () => {
      const e = purchased('o-2');
      const after = given(...history.customer()).when(e).thenRecords(e);
      expect(after.stage).toBe('repeat');
      expect(distinctOrders(after)).toBe(2);
    });

    it('a third order keeps a repeat customer repeat', () => {
      const e = purchased('o-3');
      const after = given(...history.repeat()).when(e).thenRecords(e);
      expect(after.stage).toBe('repeat');
      expect(distinctOrders(after)).toBe(3);
    });

    it('a free order (amount 0) is still an order: it makes a customer', () => {
      const e = purchased('free-1', { amount: 0 });
      const after = given(identified()).when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(distinctOrders(after)).toBe(1);
    });

    it('a free order counts as the second distinct order', () => {
      const e = purchased('free-2', { amount: 0 });
      const after = given(identified(), purchased('paid-1', { amount: 1200 })).when(e).thenRecords(e);
      expect(after.stage).toBe('repeat');
    });

    it('two free orders make a repeat customer', () => {
      const e = purchased('free-2', { amount: 0 });
      expect(given(purchased('free-1', { amount: 0 })).when(e).thenRecords(e).stage).toBe('repeat');
    });

    it('the same order again with the same payload is a duplicate of the first recording', () => {
      const first = purchased('o-1', { amount: 1500, currency: 'USD', campaignId: 'c-9' });
      given(identified(), first).when(reEmitted(first)).thenDuplicate(first.eventId);
    });

    it('a re-emitted order does not count as a second order', () => {
      const first = purchased('o-1');
      const { state, outcomes } = sendAll(identified(), first, reEmitted(first), reEmitted(first));
      expect(outcomes).toEqual(['accepted', 'accepted', 'duplicate', 'duplicate']);
      expect(state).toMatchObject({ version: 2, stage: 'customer' });
      expect(distinctOrders(state)).toBe(1);
    });

    it('the duplicate check ignores key order and occurredAt/metadata, it compares the payload', () => {
      const first = purchased('o-1', { amount: 1500, currency: 'USD' });
      const sameInOtherOrder = event(
        'purchased',
        { currency: 'USD', amount: 1500, orderId: 'o-1' },
        { occurredAt: at(-2 * DAY), metadata: { source: 'pos' } },
      );
      given(first).when(sameInOtherOrder).thenDuplicate(first.eventId);
    });

    it('an absent optional field and an undefined one are the same payload', () => {
      const first = purchased('o-1');
      given(first).when(purchased('o-1', { campaignId: undefined })).thenDuplicate(first.eventId);
    });

    it.each([
      ['amount', { amount: 5000 }],
      ['a free amount', { amount: 0 }],
      ['currency', { currency: 'USD' }],
      ['campaignId', { campaignId: 'c-2' }],
      ['offerId', { offerId: 'f-2' }],
    ] as const)('the same orderId with a different %s is a CONFLICTING_DUPLICATE', (_what, change) => {
      given(identified(), purchased('o-1'))
        .when(purchased('o-1', change))
        .thenRefuses('CONFLICTING_DUPLICATE');
    });
  });

  describe('win-back: churned → churned; won_back → customer or repeat', () => {
    it.each([
      ['customer', history.customer],
      ['repeat', history.repeat],
    ] as const)('a %s can churn', (_name, make) => {
      const e = churned('competitor', { occurredAt: at(-MINUTE) });
      const after = given(...make()).when(e).thenRecords(e);
      expect(after.stage).toBe('churned');
      expect(after.churns).toStrictEqual([{ eventId: e.eventId, occurredAt: e.occurredAt, reason: 'competitor' }]);
    });

    it.each([
      ['a new stream', () => []],
      ['a prospect', history.prospect],
      ['a qualified prospect', history.qualified],
      ['a contacted prospect', () => [contacted(), complained('k-1')]],
    ] as const)('%s cannot churn: NOT_A_CUSTOMER', (_name, make) => {
      given(...make()).when(churned()).thenRefuses('NOT_A_CUSTOMER');
    });

    it.each([
      ['customer', history.churnedCustomer],
      ['repeat customer', history.churnedRepeat],
    ] as const)('a churned %s cannot churn again: ALREADY_CHURNED', (_name, make) => {
      given(...make()).when(churned('inactivity')).thenRefuses('ALREADY_CHURNED');
    });

    it('a churned customer with one order is won back as a customer', () => {
      const e = wonBack('offer', { campaignId: 'c-7', offerId: 'f-7' });
      const after = given(...history.churnedCustomer()).when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(after.winBacks).toStrictEqual([
        { eventId: e.eventId, occurredAt: e.occurredAt, via: 'offer', campaignId: 'c-7', offerId: 'f-7' },
      ]);
    });

    it('a churned repeat customer is won back as a repeat customer', () => {
      const e = wonBack('reactivation');
      const after = given(...history.churnedRepeat()).when(e).thenRecords(e);
      expect(after.stage).toBe('repeat');
      expect(after.winBacks).toStrictEqual([{ eventId: e.eventId, occurredAt: e.occurredAt, via: 'reactivation' }]);
    });

    it.each([
      ['a new stream', () => []],
      ['a prospect', history.prospect],
      ['a qualified prospect', history.qualified],
      ['a customer', history.customer],
      ['a repeat customer', history.repeat],
    ] as const)('%s cannot be won back: NOT_CHURNED', (_name, make) => {
      given(...make()).when(wonBack()).thenRefuses('NOT_CHURNED');
    });

    it('a customer won back can churn again, and be won back again: the history keeps every round', () => {
      const e = wonBack('offer');
      const after = given(...history.churnedCustomer(), wonBack('offer'), churned('inactivity'))
        .when(e)
        .thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(after.churns.map((c) => c.reason)).toEqual(['voluntary', 'inactivity']);
      expect(after.winBacks).toHaveLength(2);
    });

    describe('a purchase by a churned customer', () => {
      it('records the purchase and an implicit won_back (via purchase) atomically', () => {
        const purchase = purchased(
          'o-2',
          { amount: 2500, campaignId: 'c-win', offerId: 'f-20pct' },
          {
            occurredAt: at(-3 * MINUTE),
            metadata: { correlationId: 'corr-1', causationId: 'cause-0', actor: 'crm-sync', source: 'shop' },
          },
        );
        const implicitEventId = newId();
        const after = given(...history.churnedCustomer())
          .when(purchase, { implicitEventId })
          .thenRecords(purchase, {
            eventId: implicitEventId,
            type: 'won_back',
            occurredAt: purchase.occurredAt,
            data: { via: 'purchase', campaignId: 'c-win', offerId: 'f-20pct' },
            metadata: { correlationId: 'corr-1', causationId: purchase.eventId, actor: 'crm-sync', source: 'shop' },
          });
        // the purchase is the second distinct order, so the customer returns as repeat
        expect(after.stage).toBe('repeat');
        expect(after.version).toBe(5);
        expect(after.winBacks).toStrictEqual([
          { eventId: implicitEventId, occurredAt: purchase.occurredAt, via: 'purchase', campaignId: 'c-win', offerId: 'f-20pct' },
        ]);
      });

      it('without campaign or offer, the implicit won_back carries neither', () => {
        const purchase = purchased('o-3');
        const implicitEventId = newId();
        const after = given(...history.churnedRepeat())
          .when(purchase, { implicitEventId })
          .thenRecords(purchase, {
            eventId: implicitEventId,
            type: 'won_back',
            occurredAt: purchase.occurredAt,
            data: { via: 'purchase' },
            metadata: { causationId: purchase.eventId },
          });
        expect(after.stage).toBe('repeat');
        expect(distinctOrders(after)).toBe(3);
      });

      it('the win-back resolves the stage by distinct orders: customer with one, repeat with more', () => {
        // Through decide a churned customer already has an order, so a new order
        // always makes two (repeat, above); a won_back via purchase over a single
        // order, as in an imported history, returns a customer.
        expect(evolve(fold(history.churnedCustomer()), wonBack('purchase')).stage).toBe('customer');
        expect(evolve(fold(history.churnedRepeat()), wonBack('purchase')).stage).toBe('repeat');
      });

      it('a free purchase by a churned customer also wins them back', () => {
        const purchase = purchased('free-1', { amount: 0 });
        const implicitEventId = newId();
        const decision = given(...history.churnedCustomer()).when(purchase, { implicitEventId }).decision;
        expect(decision.outcome === 'accepted' && decision.events.map((e) => e.type)).toEqual(['purchased', 'won_back']);
      });

      it('the same order with the same payload is still a duplicate after the customer churned, and wins nobody back', () => {
        const first = purchased('o-1');
        given(identified(), first, churned()).when(reEmitted(first)).thenDuplicate(first.eventId);
      });

      it('the same order with a different payload after the customer churned is a CONFLICTING_DUPLICATE', () => {
        given(identified(), purchased('o-1'), churned())
          .when(purchased('o-1', { amount: 1 }))
          .thenRefuses('CONFLICTING_DUPLICATE');
      });

      it('a retry of the purchase, or of the implicit won_back, is a duplicate', () => {
        const purchase = purchased('o-2');
        const implicitEventId = newId();
        const before = history.churnedCustomer();
        const implicit: CustomerEvent = {
          eventId: implicitEventId,
          type: 'won_back',
          occurredAt: purchase.occurredAt,
          data: { via: 'purchase' },
          metadata: { causationId: purchase.eventId },
        };
        const after = given(...before).when(purchase, { implicitEventId }).thenRecords(purchase, implicit);
        const log = [...before, purchase, implicit];
        const retry = (e: CustomerEvent) => decide(command(e, log), after);
        expect(retry(purchase)).toStrictEqual({ outcome: 'duplicate', eventId: purchase.eventId });
        expect(retry(wonBack('purchase', {}, { eventId: implicitEventId, occurredAt: purchase.occurredAt }))).toStrictEqual({
          outcome: 'duplicate',
          eventId: implicitEventId,
        });
      });

      it("throws (a caller bug, not a refusal) when the implicit event id is the purchase's own", () => {
        const state = fold([identified(), purchased('o-1'), churned()]);
        const purchase = purchased('o-2');
        const deciding = (implicitEventId: string) => () =>
          decide({ kind: 'RecordEvent', event: purchase, now: NOW, implicitEventId }, state);
        expect(deciding(purchase.eventId)).toThrow(/implicit/i);
        expect(deciding(newId())).not.toThrow();
      });
    });
  });

  describe('complaints', () => {
    it('a complaint is recorded open and does not move the stage', () => {
      const e = complained('k-1', { severity: 'critical', description: 'parcel lost' });
      const after = given(...history.customer()).when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(after.complaints['k-1']).toMatchObject({ eventId: e.eventId, open: true });
    });

    it('resolving an open complaint closes it and remembers the resolution', () => {
      const e = resolved('k-1', { resolution: 'refund', satisfied: true });
      const after = given(...history.customer(), complained('k-1')).when(e).thenRecords(e);
      expect(after.stage).toBe('customer');
      expect(after.complaints['k-1']).toMatchObject({ open: false, resolution: { eventId: e.eventId } });
    });

    it('resolving one complaint leaves the others open', () => {
      const e = resolved('k-2');
      const after = given(complained('k-1'), complained('k-2'), complained('k-3')).when(e).thenRecords(e);
      const open = Object.entries(after.complaints)
        .filter(([, c]) => c.open)
        .map(([id]) => id);
      expect(open).toEqual(['k-1', 'k-3']);
    });

    it('resolving an unknown complaint is refused: COMPLAINT_NOT_OPEN', () => {
      given(...history.customer(), complained('k-1')).when(resolved('k-404')).thenRefuses('COMPLAINT_NOT_OPEN');
    });

    it('resolving an already resolved complaint differently is refused: COMPLAINT_NOT_OPEN', () => {
      given(complained('k-1'), resolved('k-1', { resolution: 'refund' }))
        .when(resolved('k-1', { resolution: 'replacement' }))
        .thenRefuses('COMPLAINT_NOT_OPEN');
    });

    it('the identical resolution again is a duplicate of the first resolution', () => {
      const resolution = resolved('k-1', { resolution: 'refund', satisfied: false });
      given(complained('k-1'), resolution).when(reEmitted(resolution)).thenDuplicate(resolution.eventId);
    });

    it('the same complaint again with the same payload is a duplicate, open or resolved', () => {
      const complaint = complained('k-1', { severity: 'high' });
      given(complaint).when(reEmitted(complaint)).thenDuplicate(complaint.eventId);
      given(complaint, resolved('k-1')).when(reEmitted(complaint)).thenDuplicate(complaint.eventId);
    });

    it.each([
      ['severity', { severity: 'low' }],
      ['category', { category: 'billing' }],
      ['description', { description: 'also rude' }],
    ] as const)('a complaintId is never reused: a different %s is a CONFLICTING_DUPLICATE', (_what, change) => {
      given(complained('k-1')).when(complained('k-1', change)).thenRefuses('CONFLICTING_DUPLICATE');
      given(complained('k-1'), resolved('k-1'))
        .when(complained('k-1', change))
        .thenRefuses('CONFLICTING_DUPLICATE');
    });
  });

  describe('idempotency by eventId', () => {
    it('the same eventId again is a duplicate and names that event', () => {
      const e = contacted();
      given(identified(), e).when(e).thenDuplicate(e.eventId);
    });

    it('the same eventId with another type is a CONFLICTING_DUPLICATE', () => {
      const e = contacted();
      given(e).when(qualified(10, { eventId: e.eventId })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('the same eventId with another payload or occurredAt is a CONFLICTING_DUPLICATE', () => {
      const e = contacted({ campaignId: 'spring' });
      given(e).when(contacted({ campaignId: 'autumn' }, { eventId: e.eventId, occurredAt: e.occurredAt })).thenRefuses('CONFLICTING_DUPLICATE');
      given(e).when(contacted({ campaignId: 'spring' }, { eventId: e.eventId, occurredAt: at(-2 * DAY) })).thenRefuses('CONFLICTING_DUPLICATE');
      const ada = identified({ name: 'Ada' });
      given(ada).when(identified({ name: 'Grace' }, { eventId: ada.eventId, occurredAt: ada.occurredAt })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('the same instant written with another offset is still a duplicate', () => {
      const e = contacted({}, { occurredAt: '2026-02-28T10:00:00Z' });
      given(e).when({ ...e, occurredAt: '2026-02-28T11:00:00+01:00' }).thenDuplicate(e.eventId);
    });

    it('an eventId recorded on another customer\'s stream is a CONFLICTING_DUPLICATE, even with the same payload', () => {
      const theirs = identified({ name: 'Grace Hopper', email: 'grace@example.org' });
      given(identified())
        .when(theirs, { recorded: { event: theirs, revision: 0, sameStream: false } })
        .thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('after an erasure, a retry is compared on the fields that are not personal', () => {
      const ada = identified({ name: 'Ada', email: 'ada@example.org' });
      const erasure = erased();
      // As the log returns the event once the keys are gone: personal fields removed.
      const asRead = { event: { ...ada, data: {} } as CustomerEvent, revision: 0, sameStream: true };
      given(ada, erasure).when(ada, { recorded: asRead }).thenDuplicate(ada.eventId);
      const churn = event('churned', { reason: 'voluntary', note: 'moved' });
      const churnAsRead = { event: { ...churn, data: { reason: 'voluntary' } } as CustomerEvent, revision: 2, sameStream: true };
      given(...history.customer(), churn, erasure)
        .when({ ...churn, data: { reason: 'competitor', note: 'moved' } } as CustomerEvent, { recorded: churnAsRead })
        .thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('a retry is a duplicate even where the event would now be refused', () => {
      const churn = churned();
      // a second churn would be ALREADY_CHURNED; its retry is a duplicate
      given(...history.customer(), churn).when(churn).thenDuplicate(churn.eventId);
      // a retried resolution of a complaint that is no longer open
      const resolution = resolved('k-1');
      given(complained('k-1'), resolution).when(resolution).thenDuplicate(resolution.eventId);
    });

    it('a retry is a duplicate even when its occurredAt would now be in the future', () => {
      const e = contacted({}, { occurredAt: at(0) });
      given(e).when(e, { now: at(-DAY) }).thenDuplicate(e.eventId);
    });
  });

  describe('action_acknowledged: what the delivering system reports of a requested action', () => {
    const ref = { playbookId: 'sla', version: 1, enrollmentId: 'sla/1' };
    const requested = () => event('action_requested', { ...ref, step: 1, actionId: 'sla/1/c/1/1', action: { kind: 'task', title: 'Call back' } });
    const acknowledged = (data: Partial<EventDataByType['action_acknowledged']> = {}, o?: EnvelopeOptions) =>
      event('action_acknowledged', { actionId: 'sla/1/c/1/1', playbookId: 'sla', status: 'failed', detail: 'no agent free', ...data }, o);

    it('is never the first event of a stream: CUSTOMER_NOT_FOUND', () => {
      given().when(acknowledged()).thenRefuses('CUSTOMER_NOT_FOUND');
    });

    it.each([
      ['prospect', history.prospect, 'prospect'],
      ['customer', history.customer, 'customer'],
      ['churned', history.churnedCustomer, 'churned'],
    ] as const)('is recorded for a %s and changes nothing the rules read', (_name, make, stage) => {
      const before = [...make(), requested()];
      for (const status of ['delivered', 'failed'] as const) {
        const e = acknowledged({ status });
        const after = given(...before).when(e).thenRecords(e);
        expect(after).toStrictEqual({ ...fold(before), version: before.length + 1 });
        expect(after.stage).toBe(stage);
      }
    });

    it('sent again with its eventId and instant: a duplicate, whatever the metadata', () => {
      const e = acknowledged();
      given(identified(), requested(), e).when(e).thenDuplicate(e.eventId);
      given(identified(), requested(), e)
        .when(acknowledged({}, { eventId: e.eventId, occurredAt: e.occurredAt, metadata: { actor: 'another-desk' } }))
        .thenDuplicate(e.eventId);
    });

    it.each([
      ['another status', { actionId: 'sla/1/c/1/1', playbookId: 'sla', status: 'delivered', detail: 'no agent free' }],
      ['another detail', { actionId: 'sla/1/c/1/1', playbookId: 'sla', status: 'failed', detail: 'queued' }],
      ['no detail', { actionId: 'sla/1/c/1/1', playbookId: 'sla', status: 'failed' }],
    ] as const)('under the same eventId with %s: CONFLICTING_DUPLICATE (an action is acknowledged once)', (_what, data) => {
      const e = acknowledged();
      given(identified(), requested(), e).when(event('action_acknowledged', data, { eventId: e.eventId, occurredAt: e.occurredAt })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('the same report dated otherwise is CONFLICTING_DUPLICATE too: a repeated acknowledgement must carry the first one’s occurredAt', () => {
      const e = acknowledged();
      given(identified(), requested(), e).when({ ...e, occurredAt: at(0) }).thenRefuses('CONFLICTING_DUPLICATE');
    });
  });

  describe('time: occurredAt against the server clock', () => {
    it(`accepts an event exactly ${FUTURE_TOLERANCE_MS / MINUTE} minutes ahead of now`, () => {
      expect(FUTURE_TOLERANCE_MS).toBe(5 * MINUTE);
      const e = contacted({}, { occurredAt: at(5 * MINUTE) });
      given(identified()).when(e).thenRecords(e);
    });

    it('refuses an event more than 5 minutes ahead of now: FUTURE_EVENT', () => {
      given(identified())
        .when(contacted({}, { occurredAt: at(5 * MINUTE + 1) }))
        .thenRefuses('FUTURE_EVENT');
      given(identified())
        .when(purchased('o-1', {}, { occurredAt: at(365 * DAY) }))
        .thenRefuses('FUTURE_EVENT');
    });

    it('compares instants, whatever the offset they are written with', () => {
      // NOW is 12:00Z
      const fiveAheadInNewYork = contacted({}, { occurredAt: '2026-03-01T07:05:00-05:00' });
      given().when(fiveAheadInNewYork).thenRecords(fiveAheadInNewYork);
      given()
        .when(contacted({}, { occurredAt: '2026-03-01T13:05:00.001+01:00' }))
        .thenRefuses('FUTURE_EVENT');
      given()
        .when(contacted({}, { occurredAt: '2026-03-01T12:00:00Z' }), { now: '2026-03-01T06:54:59.999-05:00' })
        .thenRefuses('FUTURE_EVENT');
      const exactlyFiveAhead = contacted({}, { occurredAt: '2026-03-01T12:00:00Z' });
      given().when(exactlyFiveAhead, { now: '2026-03-01T06:55:00-05:00' }).thenRecords(exactlyFiveAhead);
    });

    it('a future event is refused before any other rule: nothing is recorded, not even an implicit won_back', () => {
      given(...history.churnedCustomer())
        .when(purchased('o-2', {}, { occurredAt: at(10 * MINUTE) }))
        .thenRefuses('FUTURE_EVENT');
      given(...history.churnedCustomer())
        .when(churned('other', { occurredAt: at(10 * MINUTE) }))
        .thenRefuses('FUTURE_EVENT');
    });

    it('accepts late events: stream order is record order, occurredAt may be long before earlier records', () => {
      const late = purchased('o-0', {}, { occurredAt: '2019-06-01T09:00:00+02:00' });
      const after = given(identified({}, { occurredAt: at(-MINUTE) }), purchased('o-1', {}, { occurredAt: at(-MINUTE) }))
        .when(late)
        .thenRecords(late);
      expect(after.stage).toBe('repeat');
    });

    it('a late churn dated before the last purchase is still accepted', () => {
      const late = churned('inactivity', { occurredAt: at(-400 * DAY) });
      const after = given(purchased('o-1', {}, { occurredAt: at(-DAY) })).when(late).thenRecords(late);
      expect(after.stage).toBe('churned');
    });
  });

  describe('evolve', () => {
    it('counts every recorded event in version and keeps no per-event bookkeeping', () => {
      const events = [identified(), contacted(), qualified(50), purchased('o-1'), complained('k-1'), resolved('k-1')];
      const state = fold(events);
      expect(state.version).toBe(events.length);
      // The log's unique index answers for eventIds; a state that listed them grew with every event.
      expect(JSON.stringify(state)).not.toContain(events[1]!.eventId);
    });

    it('folds a stream of 20,000 purchases, counting distinct orders as it goes', () => {
      const events = Array.from({ length: 20_000 }, (_, i) => purchased(`o-${i % 15_000}`));
      // Re-emitted order ids would be duplicates at decide time; here they test the count.
      const state = fold(events);
      expect(state.version).toBe(20_000);
      expect(distinctOrders(state)).toBe(15_000);
      expect(Object.keys(state.orders)).toHaveLength(15_000);
      expect(state.stage).toBe('repeat');
    });

    it('never changes the state it folds from', () => {
      const before = fold([identified(), purchased('o-1'), complained('k-1'), churned()]);
      const snapshot = JSON.stringify(before);
      const after = fold([wonBack(), purchased('o-2'), resolved('k-1'), erased()], before);
      expect(JSON.stringify(before)).toBe(snapshot);
      expect(after.version).toBe(before.version + 4);
      expect(evolve(before, churned()).version).toBe(before.version + 1);
      expect(JSON.stringify(before)).toBe(snapshot);
    });

    it('tracks stage through the whole loop', () => {
      const steps: [CustomerEvent, (typeof STAGES)[number]][] = [
        [identified(), 'prospect'],
        [qualified(55), 'qualified'],
        [purchased('o-1'), 'customer'],
        [purchased('o-2'), 'repeat'],
        [churned(), 'churned'],
        [wonBack('offer'), 'repeat'],
      ];
      let state = initialState;
      for (const [e, stage] of steps) {
        state = evolve(state, e);
        expect(state.stage).toBe(stage);
      }
    });

    it('counts an order once even if a history holds it twice', () => {
      const state = fold([purchased('o-1'), purchased('o-1')]);
      expect(distinctOrders(state)).toBe(1);
      expect(state.stage).toBe('customer');
    });

    it('remembers each order with the event that recorded it', () => {
      const first = purchased('o-1');
      expect(fold([first]).orders['o-1']).toMatchObject({ eventId: first.eventId });
    });

    it('is pure: it never changes the state it is given', () => {
      const events = [
        identified({ attributes: { a: '1' } }),
        identified({ attributes: { b: '2' } }),
        qualified(10),
        purchased('o-1'),
        complained('k-1'),
        resolved('k-1'),
        churned(),
        wonBack('offer'),
        purchased('o-2'),
      ];
      let state: CustomerState = deepFreeze(initialState);
      for (const e of events) {
        const snapshot = structuredClone(state);
        const next = deepFreeze(evolve(state, e));
        expect(state).toEqual(snapshot);
        state = next;
      }
      expect(state.identity.attributes).toStrictEqual({ a: '1', b: '2' });
    });

    it('fold continues from a given state', () => {
      const [a, b, c] = [identified(), purchased('o-1'), purchased('o-2')];
      expect(fold([c], fold([a, b]))).toStrictEqual(fold([a, b, c]));
    });
  });

  describe('ids that look like Object.prototype members are ordinary ids', () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'];

    it.each(names)('orderId %s is a new order, then a duplicate', (orderId) => {
      const first = purchased(orderId);
      const after = given(identified()).when(first).thenRecords(first);
      expect(after.stage).toBe('customer');
      expect(distinctOrders(after)).toBe(1);
      given(identified(), first).when(reEmitted(first)).thenDuplicate(first.eventId);
      given(identified(), first).when(purchased(orderId, { amount: 1 })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it.each(names)('complaintId %s can be opened and resolved once', (complaintId) => {
      given().when(resolved(complaintId)).thenRefuses('COMPLAINT_NOT_OPEN');
      const complaint = complained(complaintId);
      const opened = given().when(complaint).thenRecords(complaint);
      expect(opened.complaints[complaintId]).toMatchObject({ open: true });
      const resolution = resolved(complaintId);
      const closed = given(complaint).when(resolution).thenRecords(resolution);
      expect(closed.complaints[complaintId]).toMatchObject({ open: false });
    });

    it.each(names)('eventId %s is recorded once, then a duplicate', (eventId) => {
      const e = contacted({}, { eventId });
      const after = given().when(e).thenRecords(e);
      expect(after.version).toBe(1);
      given(e).when(e).thenDuplicate(eventId);
    });
  });

  describe('right to be forgotten: personal_data_erased', () => {
    const ada = identified({ name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 0000', attributes: { tier: 'gold' } });

    it('is recorded for a known customer and clears the identity, keeping stage, orders and score', () => {
      const history = [ada, qualified(80), purchased('o-1'), purchased('o-2')];
      const e = erased();
      const after = given(...history).when(e).thenRecords(e);
      expect(after.identity).toStrictEqual({});
      expect(after.stage).toBe('repeat');
      expect(after.score).toBe(80);
      expect(Object.keys(after.orders)).toEqual(['o-1', 'o-2']);
      expect(after.lastErasure).toStrictEqual({ eventId: e.eventId, occurredAt: e.occurredAt, revision: 4 });
      expect(after.holdsPersonalData).toBe(false);
    });

    it('is refused for a customer with no events (CUSTOMER_NOT_FOUND)', () => {
      given().when(erased()).thenRefuses('CUSTOMER_NOT_FOUND');
    });

    it('asked again with nothing personal recorded since, is a duplicate of the first erasure', () => {
      const first = erased();
      given(ada, first, purchased('o-1')).when(erased()).thenDuplicate(first.eventId);
    });

    it('is recorded again once new personal data arrived after the last one', () => {
      const e = erased();
      given(ada, erased(), identified({ email: 'new@example.org' })).when(e).thenRecords(e);
    });

    it('a later identification after the erasure is kept', () => {
      const after = fold([ada, erased(), identified({ name: 'A. L.' })]);
      expect(after.identity).toStrictEqual({ name: 'A. L.' });
      expect(after.holdsPersonalData).toBe(true);
    });

    it('a complaint re-sent after the erasure is still a duplicate when its other fields match', () => {
      const complaint = complained('k-1', { description: 'the parcel came open' });
      given(ada, complaint, erased()).when(reEmitted(complaint)).thenDuplicate(complaint.eventId);
    });

    it('a complaint re-sent with another category after the erasure is still a conflict', () => {
      const complaint = complained('k-1', { description: 'the parcel came open' });
      given(complaint, erased()).when(complained('k-1', { category: 'billing' })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('before any erasure, another description for the same complaint is a conflict', () => {
      const complaint = complained('k-1', { description: 'the parcel came open' });
      given(complaint).when(complained('k-1', { description: 'something else' })).thenRefuses('CONFLICTING_DUPLICATE');
    });

    it('replaying the history as it reads after the erasure (personal fields gone) rebuilds the same state', () => {
      const complaint = complained('k-1', { description: 'the parcel came open' });
      const churn = event('churned', { reason: 'voluntary', note: 'moved to Lyon' });
      const purchase = purchased('o-1');
      const erasure = erased();
      const live = fold([ada, purchase, complaint, churn, erasure]);
      const strip = (e: CustomerEvent): CustomerEvent =>
        ({ ...e, data: Object.fromEntries(Object.entries(e.data).filter(([k]) => !['name', 'email', 'phone', 'attributes', 'description', 'note'].includes(k))) }) as CustomerEvent;
      const replayed = fold([ada, purchase, complaint, churn].map(strip).concat(erasure));
      expect(replayed).toStrictEqual(live);
    });
  });

  it('every refusal code is exercised here', () => {
    // a guard against the catalogue growing without a rule test
    expect([...REFUSAL_CODES].sort()).toEqual(
      ['ALREADY_CHURNED', 'COMPLAINT_NOT_OPEN', 'CONFLICTING_DUPLICATE', 'FUTURE_EVENT', 'NOT_A_CUSTOMER', 'NOT_CHURNED', 'CUSTOMER_NOT_FOUND'].sort(),
    );
  });
});

// ---------------------------------------------------------------------------
// The state's version (snapshots)
// ---------------------------------------------------------------------------

describe('CUSTOMER_STATE_SCHEMA', () => {
  // Snapshots taken under one version of the fold are used only by the same version. This digest of
  // the states a history folds through changes whenever evolve or CustomerState does: when it fails,
  // move CUSTOMER_STATE_SCHEMA, then write down the new pair here.
  const FOLDED = { schema: 'customer-state/1', digest: '3ac4d1e910d4263ccec6c173e3e377656c17cbc010b091a0c105f871b64e19c5' };

  it('moves whenever the fold does', () => {
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const history: CustomerEvent[] = [
      identified({ name: 'Ada', email: 'ada@example.org', attributes: { tier: 'gold' } }, { eventId: id(1), occurredAt: at(-9 * DAY) }),
      contacted({ campaignId: 'c-1' }, { eventId: id(2), occurredAt: at(-8 * DAY) }),
      qualified(70, { eventId: id(3), occurredAt: at(-7 * DAY) }),
      purchased('o-1', {}, { eventId: id(4), occurredAt: at(-6 * DAY) }),
      complained('k-1', {}, { eventId: id(5), occurredAt: at(-5 * DAY) }),
      resolved('k-1', {}, { eventId: id(6), occurredAt: at(-4 * DAY) }),
      churned('voluntary', { eventId: id(7), occurredAt: at(-3 * DAY) }),
      wonBack('offer', {}, { eventId: id(8), occurredAt: at(-2 * DAY) }),
      purchased('o-2', { amount: 1250 }, { eventId: id(9), occurredAt: at(-DAY) }),
      erased({ eventId: id(10), occurredAt: at(-MINUTE) }),
    ];
    const states: CustomerState[] = [];
    history.reduce((state, e) => {
      const next = evolve(state, e);
      states.push(next);
      return next;
    }, initialState);
    const digest = createHash('sha256').update(canonicalize(states)!).digest('hex');
    expect({ schema: CUSTOMER_STATE_SCHEMA, digest }).toEqual(FOLDED);
  });
});

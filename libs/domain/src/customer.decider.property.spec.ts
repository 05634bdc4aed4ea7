// Properties of the customer decider over random command sequences.
//
// The generator draws every event type from small pools of eventIds, orderIds
// and complaintIds, mostly with the payload that id "should" carry and sometimes
// with another, so that duplicates (same eventId, same order, same complaint,
// same resolution) and conflicts actually happen; occurredAt is now and then in
// the future, on or past the 5-minute tolerance. `outcome mix` below checks that
// the sequences really produce accepted, duplicate and every kind of refused
// decision, and reach every stage of the loop.
import fc from 'fast-check';
import {
  decide,
  distinctOrders,
  evolve,
  fold,
  FUTURE_TOLERANCE_MS,
  initialState,
  stateWithoutPersonalData,
  type CustomerCommand,
  type CustomerState,
  type Decision,
  type PriorRecord,
} from './customer.decider';
import {
  CHANNELS,
  CHURN_REASONS,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  ACKNOWLEDGEMENT_STATUSES,
  ENROLLMENT_OUTCOMES,
  SUPPRESSION_REASONS,
  CONTACT_OUTCOMES,
  DIRECTIONS,
  SEVERITIES,
  WIN_BACK_VIA,
  type CustomerEvent,
  type CustomerEventType,
  type EventDataByType,
  type EventMetadata,
} from './events';
import { STAGES, type Stage } from './loop';
import { REFUSAL_CODES } from './refusal';
import { withoutPersonalData } from './personal-data';

const RUNS = { numRuns: 1000 } as const;
const TIMEOUT_MS = 120_000;

const START_MS = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

const ORDER_IDS = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'] as const;
const COMPLAINT_IDS = ['k-1', 'k-2', 'k-3'] as const;
/** Ids some emitter sends more than once: the first is recorded, the rest are retries. */
const POOLED_EVENT_IDS = ['e-1', 'e-2', 'e-3', 'e-4'] as const;

const plain = { noNullPrototype: true } as const;
const campaign = fc.constantFrom('c-1', 'c-2');
const offer = fc.constantFrom('f-1', 'f-2');

/** Mostly the payload an id is first sent with, sometimes another one. */
function usually<T>(canonical: T, variant: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(canonical) }, { weight: 1, arbitrary: variant });
}

const decisionRef = { playbookId: fc.constant('pb-1'), version: fc.constant(1), enrollmentId: fc.constantFrom('pb-1/1', 'pb-1/2') };

const dataArbitraries: { [K in CustomerEventType]: fc.Arbitrary<EventDataByType[K]> } = {
  identified: fc.record(
    {
      name: fc.constantFrom('Ada', 'Grace'),
      email: fc.constantFrom('ada@example.org', 'grace@example.org'),
      phone: fc.constant('+44 20 0000'),
      attributes: fc.dictionary(fc.constantFrom('tier', 'region'), fc.constantFrom('gold', 'EU'), {
        maxKeys: 2,
        ...plain,
      }),
    },
    { requiredKeys: [], ...plain },
  ),
  contacted: fc.record(
    {
      channel: fc.constantFrom(...CHANNELS),
      direction: fc.constantFrom(...DIRECTIONS),
      campaignId: campaign,
      offerId: offer,
      actionId: fc.constantFrom('act-1', 'act-2'),
      outcome: fc.constantFrom(...CONTACT_OUTCOMES),
    },
    { requiredKeys: ['channel', 'direction'], ...plain },
  ),
  qualified: fc.record(
    { score: fc.integer({ min: 0, max: 100 }), reason: fc.constantFrom('budget', 'fit') },
    { requiredKeys: ['score'], ...plain },
  ),
  purchased: fc.constantFrom(...ORDER_IDS).chain((orderId) =>
    usually<EventDataByType['purchased']>(
      // o-1 is a free order
      { orderId, amount: ORDER_IDS.indexOf(orderId) * 1000, currency: 'EUR' },
      fc.record(
        {
          orderId: fc.constant(orderId),
          amount: fc.constantFrom(0, 999, 1000),
          currency: fc.constantFrom('EUR', 'USD'),
          campaignId: campaign,
          offerId: offer,
        },
        { requiredKeys: ['orderId', 'amount', 'currency'], ...plain },
      ),
    ),
  ),
  complained: fc.constantFrom(...COMPLAINT_IDS).chain((complaintId) =>
    usually<EventDataByType['complained']>(
      { complaintId, category: 'delivery', severity: 'medium' },
      fc.record(
        {
          complaintId: fc.constant(complaintId),
          category: fc.constantFrom('delivery', 'billing'),
          severity: fc.constantFrom(...SEVERITIES),
          description: fc.constant('late'),
        },
        { requiredKeys: ['complaintId', 'category', 'severity'], ...plain },
      ),
    ),
  ),
  complaint_resolved: fc.constantFrom(...COMPLAINT_IDS, 'k-never-opened').chain((complaintId) =>
    usually<EventDataByType['complaint_resolved']>(
      { complaintId, resolution: 'refund' },
      fc.record(
        {
          complaintId: fc.constant(complaintId),
          resolution: fc.constantFrom('refund', 'replacement'),
          satisfied: fc.boolean(),
        },
        { requiredKeys: ['complaintId', 'resolution'], ...plain },
      ),
    ),
  ),
  churned: fc.record(
    { reason: fc.constantFrom(...CHURN_REASONS), note: fc.constant('moved away') },
    { requiredKeys: ['reason'], ...plain },
  ),
  won_back: fc.record(
    { via: fc.constantFrom(...WIN_BACK_VIA), campaignId: campaign, offerId: offer },
    { requiredKeys: ['via'], ...plain },
  ),
  consent_changed: fc.record(
    {
      channel: fc.constantFrom(...CONSENT_CHANNELS),
      purpose: fc.constantFrom(...CONSENT_PURPOSES),
      granted: fc.boolean(),
      source: fc.constantFrom('preference-centre', 'call'),
    },
    { requiredKeys: ['channel', 'purpose', 'granted'], ...plain },
  ),
  personal_data_erased: fc.constant({}),
  // The playbook runner's decisions: accepted on any stream with events, they change nothing the rules read.
  playbook_enrolled: fc.record({ ...decisionRef, trigger: fc.constant({ signal: 'p_alive_below', firedAt: '2026-01-01T00:00:00Z' }), holdout: fc.boolean() }, plain),
  action_requested: fc.record({ ...decisionRef, step: fc.nat(3), actionId: fc.constantFrom('pb-1/1/c/1/0', 'pb-1/1/c/1/1'), action: fc.constant({ kind: 'task', title: 'Call' }) }, plain),
  action_suppressed: fc.record(
    { ...decisionRef, step: fc.nat(3), actionId: fc.constantFrom('pb-1/1/c/1/0'), reason: fc.constantFrom(...SUPPRESSION_REASONS) },
    plain,
  ),
  playbook_exited: fc.record({ ...decisionRef, outcome: fc.constantFrom(...ENROLLMENT_OUTCOMES) }, plain),
  // An action's acknowledgement: like the decisions, accepted on any stream with events and read by no rule.
  action_acknowledged: fc.record(
    {
      actionId: fc.constantFrom('pb-1/1/c/1/0', 'pb-1/1/c/1/1'),
      playbookId: fc.constant('pb-1'),
      status: fc.constantFrom(...ACKNOWLEDGEMENT_STATUSES),
      detail: fc.constantFrom('bounced', 'queued by the desk'),
    },
    { requiredKeys: ['actionId', 'playbookId', 'status'], ...plain },
  ),
};

const TYPE_WEIGHTS: Record<CustomerEventType, number> = {
  identified: 1,
  contacted: 2,
  qualified: 2,
  purchased: 5,
  complained: 2,
  complaint_resolved: 2,
  churned: 3,
  won_back: 2,
  consent_changed: 1,
  personal_data_erased: 2,
  playbook_enrolled: 1,
  action_requested: 1,
  action_suppressed: 1,
  playbook_exited: 1,
  action_acknowledged: 1,
};

const bodyArbitrary = fc.oneof(
  ...(Object.keys(TYPE_WEIGHTS) as CustomerEventType[]).map((type) => ({
    weight: TYPE_WEIGHTS[type],
    arbitrary: (dataArbitraries[type] as fc.Arbitrary<unknown>).map((data) => ({ type, data })),
  })),
);

/** occurredAt relative to the command's `now`: mostly past (late events included), sometimes ahead. */
const occurredOffsetArbitrary = fc.oneof(
  { weight: 80, arbitrary: fc.integer({ min: -400 * DAY, max: 0 }) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: FUTURE_TOLERANCE_MS - 1 }) },
  { weight: 3, arbitrary: fc.constant(FUTURE_TOLERANCE_MS) },
  { weight: 12, arbitrary: fc.integer({ min: FUTURE_TOLERANCE_MS + 1, max: 30 * DAY }) },
);

const metadataArbitrary: fc.Arbitrary<EventMetadata> = fc.record(
  {
    correlationId: fc.constantFrom('corr-1', 'corr-2'),
    causationId: fc.constant('cause-1'),
    actor: fc.constant('crm-sync'),
    source: fc.constantFrom('shop', 'support'),
  },
  { requiredKeys: [], ...plain },
);

interface CommandSpec {
  readonly pooledEventId: string | null;
  /** For a pooled id seen before in the sequence: resend that first event exactly (a retry), else send this body under it. */
  readonly retryAsSent: boolean;
  readonly body: { type: CustomerEventType; data: unknown };
  readonly occurredOffsetMs: number;
  readonly utcOffsetMinutes: number;
  readonly metadata: EventMetadata;
}

const commandSpecArbitrary: fc.Arbitrary<CommandSpec> = fc.record({
  pooledEventId: fc.oneof(
    { weight: 17, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom(...POOLED_EVENT_IDS) },
  ),
  retryAsSent: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  body: bodyArbitrary,
  occurredOffsetMs: occurredOffsetArbitrary,
  utcOffsetMinutes: fc.constantFrom(0, 0, 120, -300),
  metadata: metadataArbitrary,
});

/** RFC 3339 with the given UTC offset. */
function rfc3339(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The i-th command: the server clock moves a minute per command; fresh ids are unique in the sequence. */
function toCommand(spec: CommandSpec, i: number): CustomerCommand {
  const nowMs = START_MS + i * MINUTE;
  const event = {
    eventId: spec.pooledEventId ?? `evt-${i}`,
    ...spec.body,
    occurredAt: rfc3339(nowMs + spec.occurredOffsetMs, spec.utcOffsetMinutes),
    metadata: spec.metadata,
  } as CustomerEvent;
  return { kind: 'RecordEvent', event, now: rfc3339(nowMs, 0), implicitEventId: `implicit-${i}` };
}

/** A sequence of commands; a pooled id seen before is mostly a retry of its first event, sometimes a clash. */
const commandsArbitrary = fc.array(commandSpecArbitrary, { maxLength: 40, size: 'max' }).map((specs) => {
  const firstSent = new Map<string, CustomerEvent>();
  return specs.map((spec, i) => {
    const command = toCommand(spec, i);
    if (spec.pooledEventId === null) return command;
    const first = firstSent.get(spec.pooledEventId);
    if (!first) firstSent.set(spec.pooledEventId, command.event);
    return first && spec.retryAsSent ? { ...command, event: first } : command;
  });
});

/** The log's answer for an eventId: the event recorded under it, on this one stream. */
function priorIn(recorded: readonly CustomerEvent[], eventId: string): PriorRecord | undefined {
  const revision = recorded.findIndex((e) => e.eventId === eventId);
  return revision < 0 ? undefined : { event: recorded[revision]!, revision, sameStream: true };
}

/** The command as the write side sends it: with what the log holds under its eventId. */
function withPrior(command: CustomerCommand, recorded: readonly CustomerEvent[]): CustomerCommand {
  const { recorded: _ignored, ...rest } = command;
  const prior = priorIn(recorded, command.event.eventId);
  return prior ? { ...rest, recorded: prior } : rest;
}

// ---------------------------------------------------------------------------
// Running a sequence
// ---------------------------------------------------------------------------

interface Step {
  readonly command: CustomerCommand;
  readonly before: CustomerState;
  readonly decision: Decision;
  readonly after: CustomerState;
  /** How many events were recorded once this step was applied. */
  readonly recordedSoFar: number;
}
interface Run {
  readonly steps: readonly Step[];
  readonly recorded: readonly CustomerEvent[];
  readonly state: CustomerState;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Decides each command against the state reached so far and evolves the live
 * state by what was accepted. States are frozen, so a decider that mutated one
 * would throw.
 */
function run(commands: readonly CustomerCommand[]): Run {
  let state = initialState;
  const recorded: CustomerEvent[] = [];
  const steps: Step[] = [];
  for (const sent of commands) {
    const command = withPrior(sent, recorded);
    const before = deepFreeze(state);
    const decision = decide(command, before);
    if (decision.outcome === 'accepted') {
      for (const event of decision.events) state = deepFreeze(evolve(state, event));
      recorded.push(...decision.events);
    }
    steps.push({ command, before, decision, after: state, recordedSoFar: recorded.length });
  }
  return { steps, recorded, state };
}

/** What the log hands back: events as JSON. */
const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Purchased = Extract<CustomerEvent, { type: 'purchased' }>;
const isPurchase = (e: CustomerEvent): e is Purchased => e.type === 'purchased';

/** The stage the recorded history implies, computed without the loop table. */
function expectedStage(recorded: readonly CustomerEvent[]): Stage | null {
  if (recorded.length === 0) return null;
  let churned = false;
  for (const e of recorded) {
    if (e.type === 'churned') churned = true;
    if (e.type === 'won_back') churned = false;
  }
  if (churned) return 'churned';
  const orders = new Set(recorded.filter(isPurchase).map((e) => e.data.orderId)).size;
  if (orders >= 2) return 'repeat';
  if (orders === 1) return 'customer';
  return recorded.some((e) => e.type === 'qualified') ? 'qualified' : 'prospect';
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const k of keys) if (value[k] !== undefined) picked[k] = value[k];
  return picked;
}

/** What a snapshot may leave out, said independently of stateWithoutPersonalData: the identity and the complaints' personal fingerprints. */
function personalDataLeftOut(state: CustomerState): unknown {
  const complaints = Object.entries(state.complaints).map(([id, complaint]) => [id, { ...complaint, personalFingerprint: null }]);
  return { ...state, identity: {}, complaints };
}

type OutcomeKey = 'accepted' | 'duplicate' | `refused:${(typeof REFUSAL_CODES)[number]}`;
const outcomeKey = (d: Decision): OutcomeKey => (d.outcome === 'refused' ? `refused:${d.refusal.code}` : d.outcome);

// ---------------------------------------------------------------------------

describe('customer decider properties', () => {
  it(
    '(a) replaying the accepted events from the initial state rebuilds exactly the state reached while deciding',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, (commands) => {
          const { steps, recorded, state } = run(commands);
          const log = throughJson(recorded);
          expect(fold(log)).toStrictEqual(state);
          // and at every point of the history, not only at its end: replay the log
          // event by event and compare wherever a command was accepted
          let replayed = initialState;
          let position = 0;
          for (const step of steps) {
            if (step.decision.outcome !== 'accepted') continue;
            while (position < step.recordedSoFar) replayed = evolve(replayed, log[position++]);
            expect(replayed).toStrictEqual(step.after);
          }
          // the state survives a snapshot (JSON) unchanged and keeps folding the same
          expect(throughJson(state)).toStrictEqual(state);
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    '(e) after an erasure, the history as it then reads (earlier personal fields gone) rebuilds the same state',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, (commands) => {
          const { recorded, state } = run(commands);
          const lastErasure = recorded.map((e) => e.type).lastIndexOf('personal_data_erased');
          fc.pre(lastErasure >= 0);
          // What a reader sees once the keys are destroyed: the sealed fields of every event before the erasure are gone.
          const asRead = throughJson(recorded).map((e, i) =>
            i < lastErasure ? ({ ...e, data: withoutPersonalData(e.type, e.data) } as CustomerEvent) : e,
          );
          expect(fold(asRead)).toStrictEqual(state);
          expect(state.identity).toStrictEqual(fold(recorded.slice(lastErasure + 1), { ...initialState, identity: {} }).identity);
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    '(f) a snapshot taken anywhere (the state without personal data, through JSON) folds on to the same state, and decides every later command the same but a re-sent complaint',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, fc.nat(), (commands, at) => {
          const { steps, recorded, state } = run(commands);
          const log = throughJson(recorded);
          const taken = at % (log.length + 1);
          const snapshot = throughJson(stateWithoutPersonalData(fold(log.slice(0, taken))));
          expect(personalDataLeftOut(fold(log.slice(taken), snapshot))).toStrictEqual(personalDataLeftOut(state));
          for (const step of steps) {
            if (step.before.version < taken) continue;
            const event = step.command.event;
            // Its personal fields were left out of the snapshot: a re-sent one is compared on the others only.
            if (event.type === 'complained' && Object.prototype.hasOwnProperty.call(snapshot.complaints, event.data.complaintId)) continue;
            const fromSnapshot = fold(log.slice(taken, step.before.version), snapshot);
            expect(decide(step.command, fromSnapshot)).toStrictEqual(step.decision);
          }
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    '(b) a refused or duplicate command changes nothing and records nothing',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, (commands) => {
          const { steps, recorded, state } = run(commands);
          for (const step of steps) {
            const { before, decision, after } = step;
            if (decision.outcome === 'accepted') continue;
            expect(after).toBe(before);
            expect(decision).not.toHaveProperty('events');
            if (decision.outcome === 'duplicate') {
              // it names an event that was really recorded before
              expect(Object.keys(decision)).toEqual(['outcome', 'eventId']);
              expect(recorded.slice(0, step.recordedSoFar).map((e) => e.eventId)).toContain(decision.eventId);
            } else {
              expect(REFUSAL_CODES).toContain(decision.refusal.code);
              expect(typeof decision.refusal.message).toBe('string');
            }
          }
          // Leaving every refused and duplicate command out records the same events
          // and reaches the same state: they had no effect on what followed either.
          const onlyAccepted = steps.filter((s) => s.decision.outcome === 'accepted').map((s) => s.command);
          const without = run(onlyAccepted);
          expect(without.recorded).toStrictEqual(recorded);
          expect(without.state).toStrictEqual(state);
          expect(without.steps.every((s) => s.decision.outcome === 'accepted')).toBe(true);
          // and every accepted command, retried, is now a duplicate
          for (const { command } of steps.filter((s) => s.decision.outcome === 'accepted')) {
            expect(decide(withPrior(command, recorded), state)).toStrictEqual({ outcome: 'duplicate', eventId: command.event.eventId });
          }
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    '(c) decide is deterministic: the same command on the same state decides the same',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, commandSpecArbitrary, fc.nat(60), (commands, extra, at) => {
          const { state, recorded } = run(commands);
          // `at` may reuse a fresh id of the sequence (a retry); the implicit id stays unused
          const command = withPrior({ ...toCommand(extra, at), implicitEventId: 'implicit-extra' }, recorded);
          const first = decide(command, state);
          expect(decide(command, state)).toStrictEqual(first);
          // an equal copy of the state and of the command decides the same too
          expect(decide(throughJson(command), throughJson(state))).toStrictEqual(first);
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    '(d) invariants: stage, version, orders, complaints, churn and win-back history',
    () => {
      fc.assert(
        fc.property(commandsArbitrary, (commands) => {
          const { steps } = run(commands);
          // A model of what the recorded history implies, kept beside the decider's state.
          const recorded: CustomerEvent[] = [];
          const model = {
            orderIds: [] as string[],
            opened: [] as string[],
            closed: [] as string[],
            churns: [] as string[],
            winBacks: [] as string[],
            score: null as number | null,
          };
          for (const { command, before, decision, after } of steps) {
            if (decision.outcome === 'accepted') {
              const [first, ...implicit] = decision.events;
              // the command's own event is recorded as sent; at most the implicit won_back is added
              expect(first).toBe(command.event);
              expect(implicit.length).toBe(before.stage === 'churned' && first.type === 'purchased' ? 1 : 0);
              for (const won of implicit) {
                if (first.type !== 'purchased') throw new Error('only a purchase wins back implicitly');
                expect(won).toStrictEqual({
                  eventId: command.implicitEventId,
                  type: 'won_back',
                  occurredAt: first.occurredAt,
                  data: { via: 'purchase', ...pick(first.data, 'campaignId', 'offerId') },
                  metadata: { ...first.metadata, causationId: first.eventId },
                });
              }
              // nothing recorded lies more than the tolerance ahead of the clock that accepted it
              expect(Date.parse(first.occurredAt) - Date.parse(command.now)).toBeLessThanOrEqual(FUTURE_TOLERANCE_MS);
              for (const e of decision.events) {
                recorded.push(e);
                if (e.type === 'purchased') model.orderIds.push(e.data.orderId);
                if (e.type === 'complained') model.opened.push(e.data.complaintId);
                if (e.type === 'complaint_resolved') model.closed.push(e.data.complaintId);
                if (e.type === 'qualified') model.score = e.data.score;
                if (e.type === 'churned') {
                  // churn and win-back alternate, starting with a churn
                  expect(model.churns.length).toBe(model.winBacks.length);
                  model.churns.push(e.eventId);
                }
                if (e.type === 'won_back') {
                  expect(model.winBacks.length).toBe(model.churns.length - 1);
                  model.winBacks.push(e.eventId);
                }
              }
            }

            // Duplicated ids in the model (an order, a complaint, a resolution or an
            // eventId recorded twice) would show here, as the state's keys are unique.
            const sorted = (xs: readonly string[]) => [...xs].sort();
            expect({
              version: after.version,
              stage: after.stage,
              inLoop: after.stage === null || STAGES.includes(after.stage),
              score: after.score,
              eventIdsUnique: new Set(recorded.map((e) => e.eventId)).size === recorded.length,
              orders: sorted(Object.keys(after.orders)),
              distinctOrders: distinctOrders(after),
              open: sorted(Object.keys(after.complaints).filter((id) => after.complaints[id].open)),
              resolved: sorted(Object.keys(after.complaints).filter((id) => !after.complaints[id].open)),
              churns: after.churns.map((c) => c.eventId),
              winBacks: after.winBacks.map((w) => w.eventId),
            }).toStrictEqual({
              version: recorded.length,
              stage: expectedStage(recorded),
              inLoop: true,
              score: model.score,
              eventIdsUnique: true,
              orders: sorted(model.orderIds),
              distinctOrders: model.orderIds.length,
              open: sorted(model.opened.filter((id) => !model.closed.includes(id))),
              resolved: sorted(model.closed),
              churns: model.churns,
              winBacks: model.winBacks,
            });
            if (recorded.length > 0) expect(STAGES).toContain(after.stage);
          }
        }),
        RUNS,
      );
    },
    TIMEOUT_MS,
  );

  it('outcome mix: the generator produces accepted, duplicate and every refusal, and reaches every stage', () => {
    const sequences = fc.sample(commandsArbitrary, { seed: 20260301, numRuns: 1000 });
    const counts = new Map<OutcomeKey, number>();
    const stagesReached = new Set<Stage | null>();
    let implicitWinBacks = 0;
    let decisions = 0;
    /** Duplicates by eventId (a retry) and by orderId/complaintId/resolution payload (a re-emission). */
    const duplicates = { retry: 0, reEmission: 0 };
    for (const commands of sequences) {
      for (const { command, decision, after } of run(commands).steps) {
        decisions += 1;
        if (decision.outcome === 'duplicate') {
          duplicates[decision.eventId === command.event.eventId ? 'retry' : 'reEmission'] += 1;
        }
        counts.set(outcomeKey(decision), (counts.get(outcomeKey(decision)) ?? 0) + 1);
        stagesReached.add(after.stage);
        if (decision.outcome === 'accepted' && decision.events.length === 2) implicitWinBacks += 1;
      }
    }
    const share = (key: OutcomeKey) => (counts.get(key) ?? 0) / decisions;
    const refused = REFUSAL_CODES.reduce((sum, code) => sum + share(`refused:${code}`), 0);

    if (process.env['RAPPORT_SHOW_OUTCOMES']) {
      const table = Object.fromEntries([...counts].map(([k, n]) => [k, `${n} (${((100 * n) / decisions).toFixed(1)}%)`]));
      console.log({ sequences: sequences.length, decisions, implicitWinBacks, duplicates, ...table });
    }

    expect(share('accepted')).toBeGreaterThan(0.35);
    expect(share('accepted')).toBeLessThan(0.9);
    expect(share('duplicate')).toBeGreaterThan(0.05);
    expect(refused).toBeGreaterThan(0.05);
    for (const code of REFUSAL_CODES) expect(share(`refused:${code}`)).toBeGreaterThan(0.005);
    expect(duplicates.retry / decisions).toBeGreaterThan(0.02);
    expect(duplicates.reEmission / decisions).toBeGreaterThan(0.02);
    expect(implicitWinBacks).toBeGreaterThan(50);
    expect([...stagesReached].filter((s) => s !== null).sort()).toEqual([...STAGES].sort());
  });
});

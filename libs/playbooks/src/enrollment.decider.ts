// The enrollment process manager as a pure decider (SPEC section 10): one
// customer, one published playbook. Inputs: a recorded customer event, "steps
// may be due" (the clock), and a signal that fired. Outputs: the decisions to
// append to the customer's stream (playbook_enrolled, action_requested,
// action_suppressed, playbook_exited). The state is folded from the stream
// itself, so a replay of the same history decides nothing new; no clock, no
// I/O: the caller passes `now` and the customer as conditions see it.
import { type CustomerEventBody, type EnrollmentOutcome, type RecordedCustomerEvent, type SuppressionReason } from '@rapport/domain';
import { durationMs } from './duration';
import type { CustomerView } from '@rapport/projections';
import { conditionsHold, consentGranted, type ConsentDefault, type DecisionContext } from './playbook-conditions';
import type { Action, PlaybookDefinition, Scalar, Trigger } from './playbook-definition';

export interface PublishedPlaybook {
  readonly playbookId: string;
  /** The latest published version: new enrollments follow it. */
  readonly version: number;
  readonly definition: PlaybookDefinition;
  /** Earlier versions still followed by running enrollments (each runs its own version to its end). */
  readonly earlier?: ReadonlyMap<number, PlaybookDefinition>;
}

/** The customer as the playbook sees it at decision time, beyond the 360's fields. */
export interface EnrollmentContext extends DecisionContext {
  /** The customer's personal data was erased: no marketing action reaches them. */
  readonly erased: boolean;
  /**
   * Marketing actions the contact cap still allows now (the cap less those
   * requested within its period, by any playbook). Each marketing action this
   * decision requests uses one: two due at once under a cap of one send one.
   */
  readonly contactsLeft: number;
}

/**
 * The context as the customer's own stream gives it (their 360, folded from
 * it), with the analytics not known: the runner and the simulator fill those
 * in only for a playbook whose conditions read them.
 */
export function streamContext(view: CustomerView | undefined, consentDefault: ConsentDefault, contactsLeft: number): EnrollmentContext {
  return {
    stage: view?.stage ?? null,
    segment: null,
    pAlive: null,
    clv: null,
    valueRank: null,
    openComplaints: view?.complaints.open.length ?? 0,
    purchasesCount: view?.purchases.count ?? 0,
    consent: view?.consent,
    consentDefault,
    erased: view?.erasure !== undefined,
    contactsLeft: Math.max(0, contactsLeft),
  };
}

export type EnrollmentInput =
  | {
      readonly kind: 'event';
      readonly event: RecordedCustomerEvent;
      readonly now: string;
      readonly context: EnrollmentContext;
      /** Events the stream already holds after the trigger (a runner that lags): one may end an enrollment it starts. */
      readonly later?: readonly RecordedCustomerEvent[];
    }
  | { readonly kind: 'due'; readonly now: string; readonly context: EnrollmentContext }
  | {
      readonly kind: 'signal';
      readonly signal: string;
      readonly firedAt: string;
      readonly now: string;
      readonly context: EnrollmentContext;
      /** Events of the stream that occurred at or after `firedAt`: one may end an enrollment the signal starts. */
      readonly later?: readonly RecordedCustomerEvent[];
    };

/** A decision to record: the runner gives it an eventId derived from its key and appends it. */
export interface EnrollmentDecision {
  readonly key: string;
  readonly occurredAt: string;
  readonly body: Extract<CustomerEventBody, { type: 'playbook_enrolled' | 'action_requested' | 'action_suppressed' | 'playbook_exited' }>;
}

interface Running {
  readonly enrollmentId: string;
  readonly version: number;
  readonly holdout: boolean;
  /** The trigger event's values of the exit rules' match fields. */
  readonly match: Readonly<Record<string, Scalar>>;
  readonly startedAt: string;
  /**
   * Stream revision of its playbook_enrolled: only events recorded after it
   * can end it (a replayed older event is history the enrollment began after).
   */
  readonly sinceRevision: number;
  /** Index of the next step to run. */
  readonly step: number;
  /** The instant the next wait counts from. */
  readonly waitFrom: string;
  /** All steps ran; waiting for the goal until this instant. */
  readonly goalUntil?: string;
}

/** One customer's history with one playbook, folded from their stream. */
export interface EnrollmentState {
  readonly enrollments: number;
  /** Enrollments not ended yet, oldest first; more than one only where `reenroll` is `always`. */
  readonly running: readonly Running[];
  /** occurredAt of the last exit, for `reenroll` after a duration. */
  readonly lastExitAt?: string;
  /** Triggers already enrolled on: event ids, and `signal@firedAt` (a replayed trigger enrolls once). */
  readonly triggeredBy: readonly string[];
}

export const initialEnrollmentState: EnrollmentState = { enrollments: 0, running: [], triggeredBy: [] };

/** The state from the customer's stream; folding in parts gives the same as folding it whole. */
export function foldEnrollment(playbookId: string, events: Iterable<RecordedCustomerEvent>, from: EnrollmentState = initialEnrollmentState): EnrollmentState {
  let state = from;
  for (const event of events) state = evolveEnrollment(playbookId, state, event);
  return state;
}

function evolveEnrollment(playbookId: string, state: EnrollmentState, event: RecordedCustomerEvent): EnrollmentState {
  switch (event.type) {
    case 'playbook_enrolled': {
      if (event.data.playbookId !== playbookId) return state;
      const started: Running = {
        enrollmentId: event.data.enrollmentId,
        version: event.data.version,
        holdout: event.data.holdout,
        match: event.data.match ?? {},
        startedAt: event.occurredAt,
        sinceRevision: event.revision,
        step: 0,
        waitFrom: event.occurredAt,
      };
      return {
        ...state,
        enrollments: state.enrollments + 1,
        triggeredBy: [...state.triggeredBy, triggerKey(event.data.trigger)],
        running: [...state.running, started],
      };
    }
    case 'action_requested':
    case 'action_suppressed': {
      if (event.data.playbookId !== playbookId) return state;
      const { enrollmentId, step } = event.data;
      const running = state.running.map((r) => (r.enrollmentId === enrollmentId ? { ...r, step: step + 1, waitFrom: event.occurredAt } : r));
      return { ...state, running };
    }
    case 'playbook_exited': {
      if (event.data.playbookId !== playbookId) return state;
      const { enrollmentId } = event.data;
      if (!state.running.some((r) => r.enrollmentId === enrollmentId)) return state;
      return { ...state, running: state.running.filter((r) => r.enrollmentId !== enrollmentId), lastExitAt: event.occurredAt };
    }
    default:
      return state;
  }
}

function triggerKey(trigger: { eventId: string } | { signal: string; firedAt: string }): string {
  return 'eventId' in trigger ? trigger.eventId : `${trigger.signal}@${trigger.firedAt}`;
}

/**
 * The decisions an input leads to, in order. Deterministic: the same input and
 * state decide the same, and each decision has a key the runner turns into
 * its eventId, so deciding twice records once.
 */
export function decideEnrollment(input: EnrollmentInput, playbook: PublishedPlaybook, customerId: string, state: EnrollmentState): EnrollmentDecision[] {
  const instants = [input.now, ...(input.kind === 'event' ? [input.event.occurredAt] : input.kind === 'signal' ? [input.firedAt] : [])];
  const bad = instants.find((instant) => !Number.isFinite(Date.parse(instant)));
  if (bad !== undefined) throw new RangeError(`not an instant: ${JSON.stringify(bad)}`);
  const { definition } = playbook;
  const decisions: EnrollmentDecision[] = [];
  const running: Running[] = [];
  const budget = { left: input.context.contactsLeft };
  // Each running enrollment: ended by this event, or advanced to now.
  for (const enrollment of state.running) {
    const ended = input.kind === 'event' ? endedBy(input.event, enrollment, definitionOf(playbook, enrollment.version)) : undefined;
    if (ended && input.kind === 'event') decisions.push(exit(playbook, customerId, enrollment, ended.outcome, input.event.occurredAt, input.event.eventId));
    else running.push(enrollment);
  }
  for (const enrollment of running) decisions.push(...advance(playbook, customerId, enrollment, input.now, input.context, budget));

  const start = startOf(input, definition, state);
  if (start && conditionsHold(definition.when, input.context)) {
    const enrollments = state.enrollments + 1;
    const enrollmentId = `${playbook.playbookId}/${enrollments}`;
    const holdout = inHoldout(playbook, customerId, enrollments);
    const match = matchValues(definition, start.data);
    decisions.push({
      key: `${playbook.playbookId}/${playbook.version}/${customerId}/${enrollments}/enrolled`,
      occurredAt: start.at,
      body: {
        type: 'playbook_enrolled',
        data: {
          playbookId: playbook.playbookId,
          version: playbook.version,
          enrollmentId,
          trigger: start.trigger,
          holdout,
          ...(Object.keys(match).length > 0 ? { match } : {}),
        },
      },
    });
    const started: Running = {
      enrollmentId,
      version: playbook.version,
      holdout,
      match,
      startedAt: start.at,
      // Not recorded yet: everything the caller shows later comes after it.
      sinceRevision: Number.MAX_SAFE_INTEGER,
      step: 0,
      waitFrom: start.at,
    };
    decisions.push(...startedUntil(playbook, customerId, started, input, budget));
  }
  return decisions;
}

/**
 * A new enrollment's first decisions. Events the stream already holds after
 * its trigger are met in order, as if it had been running when each was
 * recorded: the steps due before one run, then the one that ends it (a
 * complaint resolved before the runner got to it never escalates).
 */
function startedUntil(playbook: PublishedPlaybook, customerId: string, started: Running, input: EnrollmentInput, budget: ContactBudget): EnrollmentDecision[] {
  const later = input.kind === 'due' ? [] : (input.later ?? []);
  const definition = definitionOf(playbook, started.version);
  for (const event of later) {
    const ended = endsOn(event, started, definition);
    if (!ended) continue;
    // Steps due before the event (not at it: an event at the very end of a goal window still converts).
    const before = advance(playbook, customerId, started, new Date(Date.parse(event.occurredAt) - 1).toISOString(), input.context, budget);
    if (before.some((d) => d.body.type === 'playbook_exited')) return before;
    return [...before, exit(playbook, customerId, started, ended.outcome, event.occurredAt, event.eventId)];
  }
  return advance(playbook, customerId, started, input.now, input.context, budget);
}

/**
 * When the customer's enrollments next need the clock: the earliest end of a
 * running enrollment's current wait, or of its goal window; a step that needs
 * no wait is due at once. Undefined when none runs. What the due-time read
 * model keeps, so a scheduler can fire `due` inputs without folding every stream.
 */
export function nextDueAt(playbook: PublishedPlaybook, state: EnrollmentState): string | undefined {
  let earliest: number | undefined;
  for (const running of state.running) {
    const definition = definitionOf(playbook, running.version);
    const deadline = definition.goal ? Date.parse(running.startedAt) + durationMs(definition.goal.within)! : undefined;
    const current = definition.steps[running.step];
    let due = current === undefined ? (deadline ?? Date.parse(running.waitFrom)) : Date.parse(running.waitFrom) + ('wait' in current ? durationMs(current.wait)! : 0);
    if (deadline !== undefined) due = Math.min(due, deadline);
    earliest = earliest === undefined ? due : Math.min(earliest, due);
  }
  return earliest === undefined ? undefined : new Date(earliest).toISOString();
}

/**
 * Runs the steps that are due by `now`, from where the enrollment stands. An
 * `if` is checked each time the enrollment advances until its next decision
 * is recorded, and an exit it causes is dated when it was checked. With a
 * goal, the enrollment ends at the goal window's end, whatever steps remain.
 */
function advance(playbook: PublishedPlaybook, customerId: string, from: Running, now: string, context: EnrollmentContext, budget: ContactBudget): EnrollmentDecision[] {
  const definition = definitionOf(playbook, from.version);
  const decisions: EnrollmentDecision[] = [];
  const nowMs = Date.parse(now);
  const deadline = definition.goal ? Date.parse(from.startedAt) + durationMs(definition.goal.within)! : undefined;
  const goalMissed = () => exit(playbook, customerId, from, 'goal_missed', new Date(deadline!).toISOString());
  let step = from.step;
  let at = from.waitFrom;
  while (step < definition.steps.length) {
    const current = definition.steps[step]!;
    if ('wait' in current) {
      const due = Date.parse(at) + durationMs(current.wait)!;
      if (deadline !== undefined && due > deadline) return deadline <= nowMs ? [...decisions, goalMissed()] : decisions;
      if (due > nowMs) return decisions;
      at = new Date(due).toISOString();
    } else if ('if' in current) {
      if (!conditionsHold(current.if, context)) return [...decisions, exit(playbook, customerId, from, 'condition_false', maxInstant(at, now))];
    } else {
      decisions.push(actionDecision(playbook, customerId, from, step, current.action, at, context, budget));
    }
    step++;
  }
  if (deadline === undefined) return [...decisions, exit(playbook, customerId, from, 'completed', at)];
  return deadline <= nowMs ? [...decisions, goalMissed()] : decisions;
}

function maxInstant(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The definition an enrollment follows: the version it started on. */
function definitionOf(playbook: PublishedPlaybook, version: number): PlaybookDefinition {
  if (version === playbook.version) return playbook.definition;
  const earlier = playbook.earlier?.get(version);
  if (!earlier) throw new Error(`playbook ${playbook.playbookId} version ${version} is not known: an enrollment follows it`);
  return earlier;
}

/** The trigger data's values of the fields the exit rules match on. */
function matchValues(definition: PlaybookDefinition, data: Readonly<Record<string, unknown>> | undefined): Record<string, Scalar> {
  const match: Record<string, Scalar> = {};
  for (const rule of definition.exitOn) {
    const value = rule.match !== undefined ? data?.[rule.match] : undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') match[rule.match!] = value;
  }
  return match;
}

/** Marketing actions this decision may still request under the contact cap. */
interface ContactBudget {
  left: number;
}

function actionDecision(
  playbook: PublishedPlaybook,
  customerId: string,
  running: Running,
  step: number,
  action: Action,
  at: string,
  context: EnrollmentContext,
  budget: ContactBudget,
): EnrollmentDecision {
  const ref = { playbookId: playbook.playbookId, version: running.version, enrollmentId: running.enrollmentId };
  const actionId = `${playbook.playbookId}/${running.version}/${customerId}/${running.enrollmentId.slice(playbook.playbookId.length + 1)}/${step}`;
  // A control enrollment is recorded and tracked, never acted on: its would-be action is recorded as such.
  const reason = running.holdout ? 'HOLDOUT' : suppression(action, context, budget);
  if (!reason && isMarketingAction(action)) budget.left--;
  return {
    key: actionId,
    occurredAt: at,
    body: reason
      ? { type: 'action_suppressed', data: { ...ref, step, actionId, reason } }
      : { type: 'action_requested', data: { ...ref, step, actionId, action: { ...action } } },
  };
}

/** Why a marketing action may not go out, if it may not; tasks and records always may. */
function suppression(action: Action, context: EnrollmentContext, budget: ContactBudget): SuppressionReason | undefined {
  if (!isMarketingAction(action)) return undefined;
  if (context.erased) return 'ERASED';
  if (!consentGranted(context.consent, action.channel, 'marketing', context.consentDefault)) return 'NO_CONSENT';
  if (budget.left <= 0) return 'CONTACT_CAP';
  return undefined;
}

function isMarketingAction(action: Action): action is Extract<Action, { kind: 'offer' | 'message' }> {
  return action.kind === 'offer' || action.kind === 'message';
}

function exit(playbook: PublishedPlaybook, customerId: string, running: Running, outcome: EnrollmentOutcome, at: string, eventId?: string): EnrollmentDecision {
  return {
    key: `${playbook.playbookId}/${running.version}/${customerId}/${running.enrollmentId.slice(playbook.playbookId.length + 1)}/exited`,
    occurredAt: at,
    body: {
      type: 'playbook_exited',
      data: { playbookId: playbook.playbookId, version: running.version, enrollmentId: running.enrollmentId, outcome, ...(eventId !== undefined ? { eventId } : {}) },
    },
  };
}

/** A recorded event that ends the enrollment: one recorded after it, its goal (converted) or an exit rule. */
function endedBy(event: RecordedCustomerEvent, running: Running, definition: PlaybookDefinition): { outcome: EnrollmentOutcome } | undefined {
  if (event.revision <= running.sinceRevision) return undefined;
  return endsOn(event, running, definition);
}

/** Whether the event, if it came after the enrollment began, ends it: its goal (converted) or an exit rule. */
function endsOn(event: RecordedCustomerEvent, running: Running, definition: PlaybookDefinition): { outcome: EnrollmentOutcome } | undefined {
  if (Date.parse(event.occurredAt) < Date.parse(running.startedAt)) return undefined;
  const goal = definition.goal;
  if (goal && event.type === goal.event && Date.parse(event.occurredAt) <= Date.parse(running.startedAt) + durationMs(goal.within)!) return { outcome: 'converted' };
  for (const rule of definition.exitOn) {
    if (event.type !== rule.event) continue;
    if (rule.match === undefined) return { outcome: 'exited' };
    const data = event.data as Readonly<Record<string, unknown>>;
    if (running.match[rule.match] !== undefined && data[rule.match] === running.match[rule.match]) return { outcome: 'exited' };
  }
  return undefined;
}

interface Start {
  readonly at: string;
  readonly trigger: { eventId: string } | { signal: string; firedAt: string };
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Whether the input starts an enrollment: its trigger, and re-enrollment allowed. */
function startOf(
  input: EnrollmentInput,
  definition: PlaybookDefinition,
  state: EnrollmentState,
): Start | undefined {
  const trigger = definition.trigger;
  let start: Start | undefined;
  if (input.kind === 'event' && 'event' in trigger && input.event.type === trigger.event && matchesWhere(trigger, input.event.data)) {
    if (state.triggeredBy.includes(input.event.eventId)) return undefined;
    start = { at: input.event.occurredAt, trigger: { eventId: input.event.eventId }, data: input.event.data as Readonly<Record<string, unknown>> };
  } else if (input.kind === 'signal' && 'signal' in trigger && input.signal === trigger.signal) {
    const fired = { signal: input.signal, firedAt: input.firedAt };
    if (state.triggeredBy.includes(triggerKey(fired))) return undefined;
    start = { at: input.firedAt, trigger: fired };
  }
  if (!start || state.enrollments === 0) return start;
  switch (definition.reenroll) {
    case 'never':
      return undefined;
    case 'always':
      return start;
    default: {
      // After a wait from the last exit; never beside a running enrollment.
      const wait = durationMs(definition.reenroll)!;
      const ready = state.running.length === 0 && state.lastExitAt !== undefined && Date.parse(start.at) >= Date.parse(state.lastExitAt) + wait;
      return ready ? start : undefined;
    }
  }
}

/**
 * The earliest instant a new trigger could enroll the customer again under
 * this definition, as far as their history says: `undefined` when any
 * trigger may (never enrolled, or `reenroll: always`), `never` while no
 * trigger can (`reenroll: never`, or a wait that counts from an exit still to
 * come). What `startOf` allows, so a runner may skip, before reading the
 * stream, a customer a signal cannot enroll: what it would have decided for
 * them (the steps of a running enrollment) the scheduler decides anyway.
 */
export function reenrollableFrom(definition: PlaybookDefinition, state: EnrollmentState): string | undefined {
  if (state.enrollments === 0) return undefined;
  switch (definition.reenroll) {
    case 'never':
      return 'never';
    case 'always':
      return undefined;
    default:
      if (state.running.length > 0 || state.lastExitAt === undefined) return 'never';
      return new Date(Date.parse(state.lastExitAt) + durationMs(definition.reenroll)!).toISOString();
  }
}

function matchesWhere(trigger: Extract<Trigger, { event: string }>, data: unknown): boolean {
  if (!trigger.where) return true;
  const fields = data as Readonly<Record<string, unknown>>;
  return Object.entries(trigger.where).every(([field, wanted]) =>
    Array.isArray(wanted) ? (wanted as readonly Scalar[]).includes(fields[field] as Scalar) : fields[field] === wanted,
  );
}

/**
 * Deterministic control-group assignment from playbook, customer and
 * enrollment (SPEC): FNV-1a over the three, scaled to [0, 1).
 */
export function inHoldout(playbook: PublishedPlaybook, customerId: string, enrollment: number): boolean {
  const share = playbook.definition.holdout;
  if (share <= 0) return false;
  return holdoutPoint(`${playbook.playbookId}\u0000${customerId}\u0000${enrollment}`) < share;
}

export function holdoutPoint(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

// What a playbook would have done (SPEC section 10, "What if"): the recorded
// history replayed over a window through the same enrollment decider the
// runner uses, writing nothing. Time moves through the window in order:
// recorded events at their occurredAt, signals daily at 00:00 UTC with the
// models fitted as of that day, due steps before each event and at each day.
// Decisions join an in-memory copy of each customer's stream, so later inputs
// see them as the runner would see the recorded ones.
import type { RecordedCustomerEvent } from '@rapport/domain';
import type { EventStore } from '@rapport/event-store';
import {
  decideEnrollment,
  foldEnrollment,
  isSignalTrigger,
  listenedEventTypes,
  readsAnalytics,
  signalHolds,
  streamContext,
  type ConsentDefault,
  type EnrollmentDecision,
  type EnrollmentInput,
  type PlaybookDefinition,
  type PublishedPlaybook,
  type SignalTrigger,
} from '@rapport/playbooks';
import { projectCustomerFacts, projectCustomerView, type CustomerFacts, type CustomerView } from '@rapport/projections';
import { AnalyticsService, ModelNotFittedError } from '../analytics.service';
import { toCustomerEvent } from '../recorded-event.mapper';
import type { ContactCap } from './playbook-runner';
import { signalFactsOf } from './signal-facts.reader';

export interface SimulationRequest {
  readonly definition: PlaybookDefinition;
  /** Inclusive start and end of the window (instants). */
  readonly from: string;
  readonly to: string;
  /**
   * The id decisions are keyed by (holdout assignment depends on it). Default
   * `~simulation`: no published playbook can have it (`~` is not allowed in ids),
   * so the live playbooks' decisions in the streams never mix with the simulated ones.
   */
  readonly playbookId?: string;
}

export interface SimulatedDay {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly enrolled: number;
  readonly requested: number;
  readonly suppressed: number;
  readonly converted: number;
  readonly ended: number;
}

export interface SimulatedEnrollment {
  readonly customerId: string;
  readonly enrollmentId: string;
  readonly enrolledAt: string;
  readonly holdout: boolean;
  readonly trigger: Readonly<Record<string, unknown>>;
  readonly outcome?: string;
  readonly endedAt?: string;
}

export interface SimulationResult {
  readonly playbookId: string;
  readonly from: string;
  readonly to: string;
  readonly enrolled: number;
  readonly treated: number;
  readonly holdout: number;
  readonly actions: { readonly requested: number; readonly suppressed: Readonly<Record<string, number>>; readonly byKind: Readonly<Record<string, number>> };
  readonly outcomes: Readonly<Record<string, number>>;
  /** Days of the window with any decision, in order. */
  readonly days: readonly SimulatedDay[];
  /** Every enrollment, up to `MAX_LISTED`; `truncated` says when more happened. */
  readonly enrollments: readonly SimulatedEnrollment[];
  readonly truncated: boolean;
}

export interface SimulatorOptions {
  readonly consentDefault: ConsentDefault;
  readonly contactCap: ContactCap;
  /** Currency of CLV and value rank (the reporting currency). */
  readonly currency: string;
}

export const MAX_LISTED = 10_000;
export const SIMULATED_PLAYBOOK_ID = '~simulation';
const DAY_MS = 86_400_000;
const PAGE = 5_000;

/** One customer as the simulation has it: recorded events still to come, and the stream so far with its decisions. */
interface Simulated {
  readonly customerId: string;
  readonly upcoming: RecordedCustomerEvent[];
  next: number;
  readonly stream: RecordedCustomerEvent[];
  view: CustomerView | undefined;
  facts: CustomerFacts | undefined;
}

type Moment = { readonly at: number; readonly customer: Simulated; readonly event: RecordedCustomerEvent };

export class PlaybookSimulator {
  constructor(
    private readonly log: EventStore,
    private readonly analytics: AnalyticsService,
    private readonly options: SimulatorOptions,
  ) {}

  async simulate(request: SimulationRequest): Promise<SimulationResult> {
    const playbookId = request.playbookId ?? SIMULATED_PLAYBOOK_ID;
    const playbook: PublishedPlaybook = { playbookId, version: 1, definition: request.definition };
    const fromMs = Date.parse(request.from);
    const toMs = Date.parse(request.to);
    const customers = await this.history(toMs);
    const listened = listenedEventTypes(request.definition);
    const moments: Moment[] = [];
    for (const customer of customers.values()) {
      for (const event of customer.upcoming) {
        const at = Date.parse(event.occurredAt);
        if (at >= fromMs && listened.has(event.type)) moments.push({ at, customer, event });
      }
    }
    moments.sort((a, b) => a.at - b.at);

    const tally = new Tally(playbookId);
    const running = new Set<Simulated>();
    const decide = async (customer: Simulated, input: (context: EnrollmentInput['context']) => EnrollmentInput, now: number) => {
      advanceTo(customer, now);
      const state = foldEnrollment(playbookId, customer.stream);
      const context = await this.context(customer, request.definition, now);
      const decisions = decideEnrollment(input(context), playbook, customer.customerId, state);
      for (const decision of decisions) {
        customer.stream.push(asRecorded(customer, decision));
        customer.view = projectCustomerView(customer.view, customer.stream[customer.stream.length - 1]!);
        tally.add(customer.customerId, decision);
      }
      if (foldEnrollment(playbookId, customer.stream).running.length > 0) running.add(customer);
      else running.delete(customer);
    };
    const due = (customer: Simulated, now: number) => decide(customer, (context) => ({ kind: 'due', now: iso(now), context }), now);

    // Days at 00:00 UTC within the window: signals fire and due steps run.
    const firstDay = Math.ceil(fromMs / DAY_MS) * DAY_MS;
    let m = 0;
    for (let day = firstDay; ; day += DAY_MS) {
      // Events at 00:00 come before that day's signals and due steps: as of an instant includes what occurred at it.
      const until = Math.min(day, toMs);
      for (; m < moments.length && moments[m]!.at <= until; m++) {
        const { at, customer, event } = moments[m]!;
        // Steps that fell due before the event run first, so the event meets the enrollment as it then stood
        // (a goal event at the window's very end still converts: the decider counts the end as inside).
        if (running.has(customer)) await due(customer, at - 1);
        advanceTo(customer, at);
        await decide(customer, (context) => ({ kind: 'event', event: customer.stream.find((e) => e.eventId === event.eventId)!, now: iso(at), context }), at);
      }
      if (day > toMs) break;
      for (const customer of [...running]) await due(customer, day);
      const trigger = request.definition.trigger;
      if (isSignalTrigger(trigger)) await this.fireSignal(trigger, day, customers, (customer) => decide(customer, (context) => ({ kind: 'signal', signal: trigger.signal, firedAt: iso(day), now: iso(day), context }), day));
    }
    for (const customer of [...running]) await due(customer, toMs);
    return tally.result(playbookId, request.from, request.to);
  }

  /** Every customer's recorded events up to `toMs`, in business-time order. */
  private async history(toMs: number): Promise<Map<string, Simulated>> {
    const customers = new Map<string, Simulated>();
    for (let after = -1; ; ) {
      const page = await this.log.readAll({ after, maxCount: PAGE });
      for (const recorded of page) {
        if (Date.parse(recorded.occurredAt) > toMs) continue;
        let customer = customers.get(recorded.customerId);
        if (!customer) customers.set(recorded.customerId, (customer = { customerId: recorded.customerId, upcoming: [], next: 0, stream: [], view: undefined, facts: undefined }));
        customer.upcoming.push(toCustomerEvent(recorded));
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.position;
    }
    for (const customer of customers.values()) customer.upcoming.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.revision - b.revision);
    return customers;
  }

  private async fireSignal(trigger: SignalTrigger, day: number, customers: ReadonlyMap<string, Simulated>, fire: (customer: Simulated) => Promise<void>): Promise<void> {
    const at = iso(day);
    const pAlive = trigger.signal === 'p_alive_below' ? await this.pAlive(at) : new Map<string, number>();
    for (const customer of customers.values()) {
      advanceTo(customer, day);
      if (!customer.facts) continue;
      if (signalHolds(trigger, signalFactsOf(customer.facts, at, pAlive.get(customer.customerId) ?? null), at)) await fire(customer);
    }
  }

  private async pAlive(asOf: string): Promise<ReadonlyMap<string, number>> {
    try {
      return await this.analytics.pAliveByCustomer(asOf);
    } catch (error) {
      if (error instanceof ModelNotFittedError) return new Map();
      throw error;
    }
  }

  /** The customer as conditions see them at `now`: the simulated stream, and the analytics as of that day. */
  private async context(customer: Simulated, definition: PlaybookDefinition, now: number): Promise<EnrollmentInput['context']> {
    const capSince = now - this.options.contactCap.periodMs;
    const contacts = customer.stream.filter(
      (e) => e.type === 'action_requested' && (e.data.action.kind === 'offer' || e.data.action.kind === 'message') && Date.parse(e.occurredAt) >= capSince,
    ).length;
    const base = streamContext(customer.view, this.options.consentDefault, this.options.contactCap.count - contacts);
    if (!readsAnalytics(definition)) return base;
    const asOf = iso(now - (now % DAY_MS));
    const pAlive = (await this.pAlive(asOf)).get(customer.customerId) ?? null;
    let valueRank: number | null = null;
    let clv: number | null = null;
    try {
      valueRank = await this.analytics.valueRank(customer.customerId, asOf, this.options.currency);
      clv = (await this.analytics.predict(customer.customerId, asOf, this.options.currency, 52))?.clv ?? null;
    } catch (error) {
      if (!(error instanceof ModelNotFittedError)) throw error;
    }
    const segment = (await this.analytics.rfm(asOf, this.options.currency)).customers.find((c) => c.customerId === customer.customerId)?.segment ?? null;
    return { ...base, pAlive, valueRank, clv, segment };
  }
}

/** Moves the customer's recorded events that occurred by `at` into the simulated stream. */
function advanceTo(customer: Simulated, at: number): void {
  while (customer.next < customer.upcoming.length && Date.parse(customer.upcoming[customer.next]!.occurredAt) <= at) {
    const placed = { ...customer.upcoming[customer.next++]!, revision: customer.stream.length } as RecordedCustomerEvent;
    customer.stream.push(placed);
    customer.view = projectCustomerView(customer.view, placed);
    customer.facts = projectCustomerFacts(customer.facts, placed);
  }
}

function asRecorded(customer: Simulated, decision: EnrollmentDecision): RecordedCustomerEvent {
  return {
    ...decision.body,
    eventId: `simulated/${decision.key}`,
    customerId: customer.customerId,
    occurredAt: decision.occurredAt,
    recordedAt: decision.occurredAt,
    revision: customer.stream.length,
    position: -1,
    metadata: {},
    hash: '',
  } as RecordedCustomerEvent;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

class Tally {
  private readonly days = new Map<string, { enrolled: number; requested: number; suppressed: number; converted: number; ended: number }>();
  private readonly enrollments = new Map<string, SimulatedEnrollment>();
  private enrolled = 0;
  private holdout = 0;
  private requested = 0;
  private readonly suppressed = new Map<string, number>();
  private readonly byKind = new Map<string, number>();
  private readonly outcomes = new Map<string, number>();

  constructor(private readonly playbookId: string) {}

  add(customerId: string, decision: EnrollmentDecision): void {
    const day = this.day(decision.occurredAt);
    const body = decision.body;
    switch (body.type) {
      case 'playbook_enrolled':
        day.enrolled++;
        this.enrolled++;
        if (body.data.holdout) this.holdout++;
        if (this.enrollments.size < MAX_LISTED) {
          this.enrollments.set(`${customerId}|${body.data.enrollmentId}`, {
            customerId,
            enrollmentId: body.data.enrollmentId,
            enrolledAt: decision.occurredAt,
            holdout: body.data.holdout,
            trigger: body.data.trigger,
          });
        }
        break;
      case 'action_requested':
        day.requested++;
        this.requested++;
        increment(this.byKind, body.data.action.kind);
        break;
      case 'action_suppressed':
        day.suppressed++;
        increment(this.suppressed, body.data.reason);
        break;
      case 'playbook_exited': {
        if (body.data.outcome === 'converted') day.converted++;
        day.ended++;
        increment(this.outcomes, body.data.outcome);
        const key = `${customerId}|${body.data.enrollmentId}`;
        const listed = this.enrollments.get(key);
        if (listed) this.enrollments.set(key, { ...listed, outcome: body.data.outcome, endedAt: decision.occurredAt });
        break;
      }
    }
  }

  result(playbookId: string, from: string, to: string): SimulationResult {
    return {
      playbookId,
      from,
      to,
      enrolled: this.enrolled,
      treated: this.enrolled - this.holdout,
      holdout: this.holdout,
      actions: { requested: this.requested, suppressed: Object.fromEntries(this.suppressed), byKind: Object.fromEntries(this.byKind) },
      outcomes: Object.fromEntries(this.outcomes),
      days: [...this.days].sort(([a], [b]) => a.localeCompare(b)).map(([date, counts]) => ({ date, ...counts })),
      enrollments: [...this.enrollments.values()],
      truncated: this.enrolled > MAX_LISTED,
    };
  }

  private day(instant: string) {
    const date = new Date(Date.parse(instant)).toISOString().slice(0, 10);
    let counts = this.days.get(date);
    if (!counts) this.days.set(date, (counts = { enrolled: 0, requested: 0, suppressed: 0, converted: 0, ended: 0 }));
    return counts;
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

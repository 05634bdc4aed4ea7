// The customer decider: decide(command, state) → events | duplicate | refusal,
// evolve(state, event) → state. Pure: the caller passes the clock (`now`), the id
// of any event the decider may add and what the log already holds under the
// command's eventId, so the same inputs always decide the same.
//
// The state holds what the rules need and nothing that grows with every event:
// the log's unique eventId index answers "was this event recorded?", so a
// stream 20,000 events long folds in linear time and caches in little memory.
import canonicalize from 'canonicalize';
import type {
  ChurnReason,
  CustomerEvent,
  CustomerEventBody,
  EventDataByType,
  IdentifiedData,
  WinBackVia,
} from './events';
import { stageAfter, stageMet, stagesAccepting, type Stage } from './loop';
import { personalFieldsIn, splitPersonalData } from './personal-data';
import { refusal, type Refusal } from './refusal';

/** Events may be up to this far ahead of the server's clock (SPEC: 5 minutes). */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export interface RecordedOrder {
  readonly eventId: string;
  readonly fingerprint: string;
}
export interface ComplaintState {
  readonly eventId: string;
  /** Fingerprint of the payload's fields that are not personal data. */
  readonly fingerprint: string;
  /** Fingerprint of its personal fields; null once they are erased and can no longer be compared. */
  readonly personalFingerprint: string | null;
  readonly open: boolean;
  readonly resolution?: RecordedOrder;
}
export interface ChurnRecord {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly reason: ChurnReason;
}
export interface WinBackRecord {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly via: WinBackVia;
  readonly campaignId?: string;
  readonly offerId?: string;
}

export interface ErasureRecord {
  readonly eventId: string;
  readonly occurredAt: string;
  /** Its revision: personal fields recorded before it can no longer be compared. */
  readonly revision: number;
}

export interface CustomerState {
  /** Events folded so far; the next event's revision. */
  readonly version: number;
  readonly stage: Stage | null;
  readonly identity: IdentifiedData;
  readonly score: number | null;
  readonly orders: Readonly<Record<string, RecordedOrder>>;
  /** Distinct orders: the loop's `repeat` threshold reads it on every event. */
  readonly orderCount: number;
  readonly complaints: Readonly<Record<string, ComplaintState>>;
  readonly churns: readonly ChurnRecord[];
  readonly winBacks: readonly WinBackRecord[];
  /** Whether any event since the last erasure carried personal data. */
  readonly holdsPersonalData: boolean;
  /** The latest erasure of the customer's personal data, if any. */
  readonly lastErasure: ErasureRecord | null;
}

/**
 * The version of CustomerState and of the fold that builds it. A snapshot of a
 * state taken under another version is never used: move this whenever `evolve`
 * or CustomerState changes (customer.decider.spec.ts fails until it moves).
 */
export const CUSTOMER_STATE_SCHEMA = 'customer-state/1';

export const initialState: CustomerState = Object.freeze({
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

/** The caller's intent: record this event on the customer's stream. */
export interface RecordEvent {
  readonly kind: 'RecordEvent';
  readonly event: CustomerEvent;
  /** The server's clock when the command arrived (RFC 3339). */
  readonly now: string;
  /** Id for an event the decider adds by rule (the implicit `won_back`); never one the log holds. */
  readonly implicitEventId: string;
  /** What the log already holds under the event's eventId, on any stream; absent when nothing. */
  readonly recorded?: PriorRecord;
}

/** An event the log holds under the eventId of a command: the command is a retry of it, or a clash. */
export interface PriorRecord {
  /** As the log returns it: personal fields opened, or gone where they were erased. */
  readonly event: CustomerEvent;
  readonly revision: number;
  /** Whether it is on this command's stream. */
  readonly sameStream: boolean;
}
export type CustomerCommand = RecordEvent;

export type Decision =
  | { readonly outcome: 'accepted'; readonly events: readonly CustomerEvent[] }
  | { readonly outcome: 'duplicate'; readonly eventId: string }
  | { readonly outcome: 'refused'; readonly refusal: Refusal };

export function fingerprint(data: unknown): string {
  return canonicalize(data) ?? '';
}

export function distinctOrders(state: CustomerState): number {
  return state.orderCount;
}

export function decide(command: CustomerCommand, state: CustomerState): Decision {
  const { event } = command;
  if (command.recorded) return retryOr(command.recorded, event, state);

  const occurred = Date.parse(event.occurredAt);
  if (!(occurred <= Date.parse(command.now) + FUTURE_TOLERANCE_MS)) {
    return refused('FUTURE_EVENT', `occurredAt ${event.occurredAt} is more than 5 minutes after ${command.now}`);
  }

  const stage = stageMet(state.stage, event.type);
  switch (event.type) {
    case 'identified':
    case 'contacted':
    case 'qualified':
    case 'consent_changed':
      return accepted(event);
    case 'purchased': {
      const known = own(state.orders, event.data.orderId);
      if (known) return sameOr(known, event.data, `order ${event.data.orderId}`);
      if (stage !== 'churned') return accepted(event);
      // A churned customer who buys is won back by that purchase, atomically.
      if (command.implicitEventId === event.eventId) {
        // The caller owes a fresh id: reusing one would put two events with one id in the log.
        throw new Error(`implicitEventId ${command.implicitEventId} is the purchase's own eventId`);
      }
      const wonBack: CustomerEvent = {
        eventId: command.implicitEventId,
        type: 'won_back',
        occurredAt: event.occurredAt,
        data: { via: 'purchase', ...pickCampaign(event.data) },
        metadata: { ...event.metadata, causationId: event.eventId },
      };
      return accepted(event, wonBack);
    }
    case 'complained': {
      const known = own(state.complaints, event.data.complaintId);
      if (known) return sameComplaintOr(known, event.data);
      return accepted(event);
    }
    case 'complaint_resolved': {
      const complaint = own(state.complaints, event.data.complaintId);
      if (complaint?.resolution && complaint.resolution.fingerprint === fingerprint(event.data)) {
        return { outcome: 'duplicate', eventId: complaint.resolution.eventId };
      }
      if (!complaint?.open) {
        return refused('COMPLAINT_NOT_OPEN', `complaint ${event.data.complaintId} is not open`);
      }
      return accepted(event);
    }
    case 'churned':
      if (stage === 'churned') return refused('ALREADY_CHURNED', 'the customer has already churned');
      if (!stagesAccepting('churned').includes(stage)) {
        return refused('NOT_A_CUSTOMER', `a ${stage} cannot churn: only a customer or repeat customer can`);
      }
      return accepted(event);
    case 'won_back':
      if (stage !== 'churned') return refused('NOT_CHURNED', `a ${stage} cannot be won back: only a churned customer can`);
      return accepted(event);
    case 'playbook_enrolled':
    case 'action_requested':
    case 'action_suppressed':
    case 'playbook_exited':
    case 'action_acknowledged':
      // The playbook runner decides these about what a customer did, and an acknowledgement answers one
      // of its actions: never the first event of a stream. The acknowledgement's eventId derives from its
      // actionId, so a second, different one for the same action is a CONFLICTING_DUPLICATE (retryOr).
      if (state.version === 0) return refused('CUSTOMER_NOT_FOUND', `${event.type} needs a customer with recorded events`);
      return accepted(event);
    case 'personal_data_erased':
      if (state.version === 0) return refused('CUSTOMER_NOT_FOUND', 'the customer has no recorded events to erase');
      // Nothing personal recorded since the last erasure: asking again changes nothing.
      if (state.lastErasure && !state.holdsPersonalData) return { outcome: 'duplicate', eventId: state.lastErasure.eventId };
      return accepted(event);
    default:
      return assertNever(event);
  }
}

/**
 * The state with no personal data left in it, as a snapshot keeps it: no identity (decisions never
 * read it), and complaints compared on their other fields only, as after an erasure. Folding on from
 * it decides every later event as the full state would, but for a re-sent complaint whose personal
 * fields differ: that one reads as a retry, not a conflict.
 */
export function stateWithoutPersonalData(state: CustomerState): CustomerState {
  const complaints: Record<string, ComplaintState> = {};
  for (const [id, complaint] of Object.entries(state.complaints)) put(complaints, id, { ...complaint, personalFingerprint: null });
  return { ...state, identity: {}, complaints };
}

/** One event folded into the state. The input state is never changed. */
export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  return fold([event], state);
}

/**
 * Replays events from a state (the initial one by default). Linear in the
 * number of events: one private copy of the state is made up front and each
 * event updates it in place, so no map is copied per event.
 */
export function fold(events: Iterable<CustomerEvent>, from: CustomerState = initialState): CustomerState {
  const draft = thaw(from);
  for (const event of events) apply(draft, event);
  return draft;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface Draft extends Mutable<Omit<CustomerState, 'orders' | 'complaints' | 'churns' | 'winBacks'>> {
  orders: Record<string, RecordedOrder>;
  complaints: Record<string, ComplaintState>;
  churns: ChurnRecord[];
  winBacks: WinBackRecord[];
}

/** A copy of the state that the fold may change; the records in it are shared and never changed. */
function thaw(state: CustomerState): Draft {
  return {
    ...state,
    identity: state.identity,
    orders: { ...state.orders },
    complaints: { ...state.complaints },
    churns: [...state.churns],
    winBacks: [...state.winBacks],
  };
}

function apply(draft: Draft, event: CustomerEvent): void {
  const revision = draft.version;
  draft.version = revision + 1;
  if (personalFieldsIn(event.type, event.data).length > 0) draft.holdsPersonalData = true;
  switch (event.type) {
    case 'identified':
      draft.identity = mergeIdentity(draft.identity, event.data);
      break;
    case 'contacted':
    case 'consent_changed':
    case 'playbook_enrolled':
    case 'action_requested':
    case 'action_suppressed':
    case 'playbook_exited':
    case 'action_acknowledged':
      // Nothing the rules read: playbooks fold their own state from these and read consent from the 360.
      break;
    case 'qualified':
      draft.score = event.data.score;
      break;
    case 'purchased':
      if (!own(draft.orders, event.data.orderId)) draft.orderCount += 1;
      put(draft.orders, event.data.orderId, { eventId: event.eventId, fingerprint: fingerprint(event.data) });
      break;
    case 'complained': {
      const { personal, other } = splitPersonalData(event.type, event.data);
      put(draft.complaints, event.data.complaintId, {
        eventId: event.eventId,
        fingerprint: fingerprint(other),
        personalFingerprint: fingerprint(personal),
        open: true,
      });
      break;
    }
    case 'complaint_resolved': {
      const complaint = own(draft.complaints, event.data.complaintId);
      if (!complaint) break;
      const resolution = { eventId: event.eventId, fingerprint: fingerprint(event.data) };
      put(draft.complaints, event.data.complaintId, { ...complaint, open: false, resolution });
      break;
    }
    case 'churned':
      draft.churns.push({ eventId: event.eventId, occurredAt: event.occurredAt, reason: event.data.reason });
      break;
    case 'won_back':
      draft.winBacks.push({
        eventId: event.eventId,
        occurredAt: event.occurredAt,
        via: event.data.via,
        ...(event.data.campaignId !== undefined ? { campaignId: event.data.campaignId } : {}),
        ...(event.data.offerId !== undefined ? { offerId: event.data.offerId } : {}),
      });
      break;
    case 'personal_data_erased':
      // What the keys sealed is gone, so complaints can only be compared on their other fields.
      for (const [id, complaint] of Object.entries(draft.complaints)) {
        if (complaint.personalFingerprint !== null) put(draft.complaints, id, { ...complaint, personalFingerprint: null });
      }
      draft.identity = {};
      draft.holdsPersonalData = false;
      draft.lastErasure = { eventId: event.eventId, occurredAt: event.occurredAt, revision };
      break;
    default:
      assertNever(event);
  }
  draft.stage = stageAfter(draft.stage, event.type, draft.orderCount);
}

function accepted(...events: CustomerEvent[]): Decision {
  return { outcome: 'accepted', events };
}

function refused(code: Refusal['code'], message: string): Decision {
  return { outcome: 'refused', refusal: refusal(code, message) };
}

/**
 * The entry recorded under `key`, if any. Ids are the emitters' strings, so a
 * plain index would find Object.prototype members: `orders['constructor']`.
 */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * A command whose eventId the log already holds: a retry (the same event on the
 * same stream) is a duplicate; anything else under that id is a conflict, so an
 * emitter never learns another customer's data through a reused id.
 */
function retryOr(prior: PriorRecord, event: CustomerEvent, state: CustomerState): Decision {
  const clash = (why: string) => refused('CONFLICTING_DUPLICATE', `event ${event.eventId} was already recorded ${why}`);
  if (!prior.sameStream) return clash('for another customer');
  // The same instant written with another offset is still the same event.
  if (prior.event.type !== event.type || Date.parse(prior.event.occurredAt) !== Date.parse(event.occurredAt)) {
    return clash('with another type or occurredAt');
  }
  const was = splitPersonalData(prior.event.type, prior.event.data as object);
  const now = splitPersonalData(event.type, event.data as object);
  if (fingerprint(was.other) !== fingerprint(now.other)) return clash('with a different payload');
  // Personal fields recorded before an erasure no longer open, so they cannot be compared.
  const erasedSince = state.lastErasure !== null && state.lastErasure.revision > prior.revision;
  if (!erasedSince && fingerprint(was.personal) !== fingerprint(now.personal)) return clash('with a different payload');
  return { outcome: 'duplicate', eventId: prior.event.eventId };
}

/** Sets an own entry: a plain assignment of `__proto__` would change the prototype instead. */
function put<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The same id with the same payload is a duplicate; with another payload, a conflict. */
function sameOr(known: { eventId: string; fingerprint: string }, data: unknown, what: string): Decision {
  if (known.fingerprint === fingerprint(data)) return { outcome: 'duplicate', eventId: known.eventId };
  return refused('CONFLICTING_DUPLICATE', `${what} was already recorded with a different payload`);
}

/** A complaint id seen again: its personal fields count only while they can still be compared. */
function sameComplaintOr(known: ComplaintState, data: EventDataByType['complained']): Decision {
  const { personal, other } = splitPersonalData('complained', data);
  const same =
    known.fingerprint === fingerprint(other) &&
    (known.personalFingerprint === null || known.personalFingerprint === fingerprint(personal));
  if (same) return { outcome: 'duplicate', eventId: known.eventId };
  return refused('CONFLICTING_DUPLICATE', `complaint ${data.complaintId} was already recorded with a different payload`);
}

function pickCampaign(data: EventDataByType['purchased']): Pick<EventDataByType['won_back'], 'campaignId' | 'offerId'> {
  return {
    ...(data.campaignId !== undefined ? { campaignId: data.campaignId } : {}),
    ...(data.offerId !== undefined ? { offerId: data.offerId } : {}),
  };
}

/** A later identification adds to or corrects what is known; it never forgets a field. */
function mergeIdentity(known: IdentifiedData, update: IdentifiedData): IdentifiedData {
  const merged: IdentifiedData = { ...known };
  if (update.name !== undefined) merged.name = update.name;
  if (update.email !== undefined) merged.email = update.email;
  if (update.phone !== undefined) merged.phone = update.phone;
  if (update.attributes !== undefined) merged.attributes = { ...known.attributes, ...update.attributes };
  return merged;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled event: ${JSON.stringify(value)}`);
}

export type { CustomerEventBody };

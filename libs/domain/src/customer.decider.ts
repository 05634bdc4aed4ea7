// The customer decider: decide(command, state) → events | duplicate | refusal,
// evolve(state, event) → state. Pure: the caller passes the clock (`now`) and the
// id of any event the decider may add, so the same inputs always decide the same.
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
}

export interface CustomerState {
  /** Events folded so far; the next event's revision. */
  readonly version: number;
  readonly stage: Stage | null;
  readonly identity: IdentifiedData;
  readonly score: number | null;
  readonly eventIds: Readonly<Record<string, true>>;
  readonly orders: Readonly<Record<string, RecordedOrder>>;
  readonly complaints: Readonly<Record<string, ComplaintState>>;
  readonly churns: readonly ChurnRecord[];
  readonly winBacks: readonly WinBackRecord[];
  /** Whether any event since the last erasure carried personal data. */
  readonly holdsPersonalData: boolean;
  /** The latest erasure of the customer's personal data, if any. */
  readonly lastErasure: ErasureRecord | null;
}

export const initialState: CustomerState = Object.freeze({
  version: 0,
  stage: null,
  identity: {},
  score: null,
  eventIds: {},
  orders: {},
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
  /** Id for an event the decider adds by rule (the implicit `won_back`). */
  readonly implicitEventId: string;
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
  return Object.keys(state.orders).length;
}

export function decide(command: CustomerCommand, state: CustomerState): Decision {
  const { event } = command;
  if (own(state.eventIds, event.eventId)) return { outcome: 'duplicate', eventId: event.eventId };

  const occurred = Date.parse(event.occurredAt);
  if (!(occurred <= Date.parse(command.now) + FUTURE_TOLERANCE_MS)) {
    return refused('FUTURE_EVENT', `occurredAt ${event.occurredAt} is more than 5 minutes after ${command.now}`);
  }

  const stage = stageMet(state.stage, event.type);
  switch (event.type) {
    case 'identified':
    case 'contacted':
    case 'qualified':
      return accepted(event);
    case 'purchased': {
      const known = own(state.orders, event.data.orderId);
      if (known) return sameOr(known, event.data, `order ${event.data.orderId}`);
      if (stage !== 'churned') return accepted(event);
      // A churned customer who buys is won back by that purchase, atomically.
      if (command.implicitEventId === event.eventId || own(state.eventIds, command.implicitEventId)) {
        // The caller owes a fresh id: reusing one would put two events with one id in the log.
        throw new Error(`implicitEventId ${command.implicitEventId} is already taken on this stream`);
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
    case 'personal_data_erased':
      if (state.version === 0) return refused('UNKNOWN_CUSTOMER', 'the customer has no recorded events to erase');
      // Nothing personal recorded since the last erasure: asking again changes nothing.
      if (state.lastErasure && !state.holdsPersonalData) return { outcome: 'duplicate', eventId: state.lastErasure.eventId };
      return accepted(event);
    default:
      return assertNever(event);
  }
}

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  const base: CustomerState = {
    ...state,
    version: state.version + 1,
    eventIds: { ...state.eventIds, [event.eventId]: true },
    holdsPersonalData: state.holdsPersonalData || personalFieldsIn(event.type, event.data).length > 0,
  };
  const moved = (next: CustomerState): CustomerState => {
    return { ...next, stage: stageAfter(state.stage, event.type, distinctOrders(next)) };
  };
  switch (event.type) {
    case 'identified':
      return moved({ ...base, identity: mergeIdentity(state.identity, event.data) });
    case 'contacted':
      return moved(base);
    case 'qualified':
      return moved({ ...base, score: event.data.score });
    case 'purchased':
      return moved({
        ...base,
        orders: {
          ...state.orders,
          [event.data.orderId]: { eventId: event.eventId, fingerprint: fingerprint(event.data) },
        },
      });
    case 'complained': {
      const { personal, other } = splitPersonalData(event.type, event.data);
      const complaint: ComplaintState = {
        eventId: event.eventId,
        fingerprint: fingerprint(other),
        personalFingerprint: fingerprint(personal),
        open: true,
      };
      return moved({ ...base, complaints: { ...state.complaints, [event.data.complaintId]: complaint } });
    }
    case 'complaint_resolved': {
      const complaint = own(state.complaints, event.data.complaintId);
      if (!complaint) return moved(base);
      const resolution = { eventId: event.eventId, fingerprint: fingerprint(event.data) };
      return moved({
        ...base,
        complaints: { ...state.complaints, [event.data.complaintId]: { ...complaint, open: false, resolution } },
      });
    }
    case 'churned':
      return moved({
        ...base,
        churns: [...state.churns, { eventId: event.eventId, occurredAt: event.occurredAt, reason: event.data.reason }],
      });
    case 'won_back':
      return moved({
        ...base,
        winBacks: [
          ...state.winBacks,
          {
            eventId: event.eventId,
            occurredAt: event.occurredAt,
            via: event.data.via,
            ...(event.data.campaignId !== undefined ? { campaignId: event.data.campaignId } : {}),
            ...(event.data.offerId !== undefined ? { offerId: event.data.offerId } : {}),
          },
        ],
      });
    case 'personal_data_erased': {
      // What the keys sealed is gone, so complaints can only be compared on their other fields.
      const complaints: Record<string, ComplaintState> = {};
      for (const [id, complaint] of Object.entries(state.complaints)) complaints[id] = { ...complaint, personalFingerprint: null };
      return moved({
        ...base,
        identity: {},
        complaints,
        holdsPersonalData: false,
        lastErasure: { eventId: event.eventId, occurredAt: event.occurredAt },
      });
    }
    default:
      return assertNever(event);
  }
}

/** Replays a history from the initial state. */
export function fold(events: Iterable<CustomerEvent>, from: CustomerState = initialState): CustomerState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
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

// The customer event catalogue of SPEC section 3: one discriminated union, so a
// new event type fails to compile until every switch over `type` handles it,
// and one catalogue row per type (EVENT_CATALOGUE) with what the log must know
// of it. A new event type is a name, a data interface and a row here.
import { UNCHANGED_SCHEMA, type EventSchema } from './upcasting/event-schema';
import { upcastPurchasedV1, type PurchasedDataV1 } from './upcasting/purchased-v1.upcaster';

export const EVENT_TYPES = [
  'identified',
  'contacted',
  'qualified',
  'purchased',
  'complained',
  'complaint_resolved',
  'churned',
  'won_back',
  'consent_changed',
  'personal_data_erased',
  'playbook_enrolled',
  'action_requested',
  'action_suppressed',
  'playbook_exited',
  'action_acknowledged',
] as const;
export type CustomerEventType = (typeof EVENT_TYPES)[number];

/**
 * Types only Rapport records: `personal_data_erased` by the erasure route,
 * after an administrator's decision; the playbook decisions by the playbook
 * runner (SPEC section 10); `action_acknowledged` by the acknowledgement route
 * (`POST /v1/actions/{actionId}/ack`). An emitter sending one is refused
 * (RESERVED_EVENT_TYPE).
 */
export const RESERVED_EVENT_TYPES = [
  'personal_data_erased',
  'playbook_enrolled',
  'action_requested',
  'action_suppressed',
  'playbook_exited',
  'action_acknowledged',
] as const;
export type ReservedEventType = (typeof RESERVED_EVENT_TYPES)[number];

/** The types an emitting service may send. */
export const EMITTED_EVENT_TYPES = EVENT_TYPES.filter(
  (type): type is Exclude<CustomerEventType, ReservedEventType> => !(RESERVED_EVENT_TYPES as readonly string[]).includes(type),
);

export function isReservedEventType(value: unknown): value is ReservedEventType {
  return typeof value === 'string' && (RESERVED_EVENT_TYPES as readonly string[]).includes(value);
}

export const CHANNELS = ['email', 'phone', 'sms', 'meeting', 'web', 'social', 'other'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export const CONTACT_OUTCOMES = ['no_answer', 'responded', 'interested', 'not_interested'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const CHURN_REASONS = ['voluntary', 'involuntary', 'inactivity', 'competitor', 'other'] as const;
export const WIN_BACK_VIA = ['offer', 'purchase', 'reactivation'] as const;
/** `all` stands for every channel at once; a later consent for one channel refines it. */
export const CONSENT_CHANNELS = ['email', 'phone', 'sms', 'social', 'all'] as const;
export const CONSENT_PURPOSES = ['marketing', 'service'] as const;

export type Channel = (typeof CHANNELS)[number];
export type Direction = (typeof DIRECTIONS)[number];
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type ChurnReason = (typeof CHURN_REASONS)[number];
export type WinBackVia = (typeof WIN_BACK_VIA)[number];
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface IdentifiedData {
  name?: string;
  email?: string;
  phone?: string;
  attributes?: Record<string, string>;
}
export interface ContactedData {
  channel: Channel;
  direction: Direction;
  campaignId?: string;
  offerId?: string;
  /** The playbook action this contact delivered. */
  actionId?: string;
  outcome?: ContactOutcome;
}
export interface QualifiedData {
  score: number;
  reason?: string;
}
export interface PurchasedData {
  orderId: string;
  /** Integer minor units (cents); 0 is a free order, still an order. */
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
  campaignId?: string;
  offerId?: string;
}
export interface ComplainedData {
  complaintId: string;
  category: string;
  severity: Severity;
  description?: string;
}
export interface ComplaintResolvedData {
  complaintId: string;
  resolution: string;
  satisfied?: boolean;
}
export interface ChurnedData {
  reason: ChurnReason;
  note?: string;
}
export interface WonBackData {
  via: WinBackVia;
  campaignId?: string;
  offerId?: string;
}

/** The customer granted or withdrew consent to be contacted on a channel for a purpose. */
export interface ConsentChangedData {
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  granted: boolean;
  /** Where the customer said so (a preference centre, a form, a call). */
  source?: string;
}

/**
 * The customer's personal data was erased (right to be forgotten): the keys
 * that sealed it are destroyed, so every earlier personal field now reads as
 * erased. The request's author is the event's metadata.actor.
 */
export type PersonalDataErasedData = Record<string, never>;

/** Which enrollment of which playbook version a decision belongs to. */
export interface PlaybookDecisionRef {
  playbookId: string;
  /** The published version the enrollment follows to its end. */
  version: number;
  /** `<playbookId>/<n>`: the customer's n-th enrollment in the playbook, from 1. */
  enrollmentId: string;
}

/** `HOLDOUT`: the action a control enrollment would have had, recorded so that control and treatment progress alike. */
export const SUPPRESSION_REASONS = ['NO_CONSENT', 'ERASED', 'CONTACT_CAP', 'HOLDOUT'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
export const ENROLLMENT_OUTCOMES = ['completed', 'converted', 'exited', 'condition_false', 'goal_missed'] as const;
export type EnrollmentOutcome = (typeof ENROLLMENT_OUTCOMES)[number];

/** The customer entered a playbook. */
export interface PlaybookEnrolledData extends PlaybookDecisionRef {
  /** What started it: the recorded event, or the signal that fired and when. */
  trigger: { eventId: string } | { signal: string; firedAt: string };
  /** The trigger event's values of the fields its exit rules match on (e.g. complaintId). */
  match?: Record<string, string | number | boolean>;
  /** In the control group: decisions are recorded, actions never requested. */
  holdout: boolean;
}

/** A step's action, decided: `actionId` is derived from playbook, version, customer, enrollment and step. */
export interface ActionRequestedData extends PlaybookDecisionRef {
  step: number;
  actionId: string;
  /** The step's action as the playbook defines it (kind and its fields). */
  action: { kind: string; [field: string]: unknown };
}

/** A step's action, not taken, and why. */
export interface ActionSuppressedData extends PlaybookDecisionRef {
  step: number;
  actionId: string;
  reason: SuppressionReason;
}

/** The enrollment ended. */
export interface PlaybookExitedData extends PlaybookDecisionRef {
  outcome: EnrollmentOutcome;
  /** The recorded event that ended it (an exitOn or goal event), if one did. */
  eventId?: string;
}

/** What the system that carries out an action reports of it: `POST /v1/actions/{actionId}/ack`. */
export const ACKNOWLEDGEMENT_STATUSES = ['delivered', 'failed'] as const;
export type AcknowledgementStatus = (typeof ACKNOWLEDGEMENT_STATUSES)[number];
/** At most this many characters of `detail`. */
export const ACKNOWLEDGEMENT_DETAIL_MAX = 1000;

/** A requested action was carried out, or could not be: recorded once per action, on the customer's stream. */
export interface ActionAcknowledgedData {
  actionId: string;
  playbookId: string;
  status: AcknowledgementStatus;
  /** What the delivering system said (e.g. why it failed); its text, not the customer's. */
  detail?: string;
}

export interface EventDataByType {
  identified: IdentifiedData;
  contacted: ContactedData;
  qualified: QualifiedData;
  purchased: PurchasedData;
  complained: ComplainedData;
  complaint_resolved: ComplaintResolvedData;
  churned: ChurnedData;
  won_back: WonBackData;
  consent_changed: ConsentChangedData;
  personal_data_erased: PersonalDataErasedData;
  playbook_enrolled: PlaybookEnrolledData;
  action_requested: ActionRequestedData;
  action_suppressed: ActionSuppressedData;
  playbook_exited: PlaybookExitedData;
  action_acknowledged: ActionAcknowledgedData;
}

/** What the log must know of an event type besides its payload's shape. */
export interface EventTypeEntry<K extends CustomerEventType> {
  /**
   * Fields of its data that are personal data (SPEC: name, email, phone,
   * free-text descriptions and notes): sealed in the log with the customer's
   * key, unreadable once the customer is erased (personal-data.ts).
   */
  readonly personalFields: readonly (keyof EventDataByType[K] & string)[];
  /** The payload version today's code writes, and how older ones are upcast (upcasting/). */
  readonly schema: EventSchema;
}

/** A mapped type: a new event type does not compile until it has its row. */
export const EVENT_CATALOGUE: { readonly [K in CustomerEventType]: EventTypeEntry<K> } = {
  // attributes is a free-form map, so it may hold anything about the person.
  identified: { personalFields: ['name', 'email', 'phone', 'attributes'], schema: UNCHANGED_SCHEMA },
  contacted: { personalFields: [], schema: UNCHANGED_SCHEMA },
  qualified: { personalFields: [], schema: UNCHANGED_SCHEMA },
  // v2: amount is integer minor units only (v1 also held decimal strings of major units).
  purchased: { personalFields: [], schema: { current: 2, upcasters: { 1: (data) => upcastPurchasedV1(data as PurchasedDataV1) } } },
  complained: { personalFields: ['description'], schema: UNCHANGED_SCHEMA },
  complaint_resolved: { personalFields: [], schema: UNCHANGED_SCHEMA },
  churned: { personalFields: ['note'], schema: UNCHANGED_SCHEMA },
  won_back: { personalFields: [], schema: UNCHANGED_SCHEMA },
  consent_changed: { personalFields: [], schema: UNCHANGED_SCHEMA },
  personal_data_erased: { personalFields: [], schema: UNCHANGED_SCHEMA },
  playbook_enrolled: { personalFields: [], schema: UNCHANGED_SCHEMA },
  action_requested: { personalFields: [], schema: UNCHANGED_SCHEMA },
  action_suppressed: { personalFields: [], schema: UNCHANGED_SCHEMA },
  playbook_exited: { personalFields: [], schema: UNCHANGED_SCHEMA },
  // detail is the delivering system's text about the delivery, not about the person.
  action_acknowledged: { personalFields: [], schema: UNCHANGED_SCHEMA },
};

/** A type and its payload, as the decider sees it. */
export type CustomerEventBody = {
  [K in CustomerEventType]: { type: K; data: EventDataByType[K] };
}[CustomerEventType];

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  source?: string;
  /**
   * W3C Trace Context of the span that appended the event, recorded by the
   * server only while a sampled trace is active (docs/observability.md);
   * never sent by an emitter. The relay carries it as `ce_traceparent`.
   */
  traceparent?: string;
  tracestate?: string;
}

/** An event the decider asks to record; the log adds revision, recordedAt and hash. */
export type CustomerEvent = CustomerEventBody & {
  eventId: string;
  occurredAt: string;
  metadata: EventMetadata;
};

export type EmittedEventType = (typeof EMITTED_EVENT_TYPES)[number];

export function isEmittedEventType(value: unknown): value is EmittedEventType {
  return typeof value === 'string' && (EMITTED_EVENT_TYPES as readonly string[]).includes(value);
}

export function isEventType(value: unknown): value is CustomerEventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** `customer-<customerId>`; customerId is 1–64 chars of [A-Za-z0-9_.:-]. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const STREAM_PREFIX = 'customer-';

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}

export function streamName(customerId: string): string {
  return `${STREAM_PREFIX}${customerId}`;
}

export function customerIdOfStream(stream: string): string | undefined {
  return stream.startsWith(STREAM_PREFIX) ? stream.slice(STREAM_PREFIX.length) : undefined;
}

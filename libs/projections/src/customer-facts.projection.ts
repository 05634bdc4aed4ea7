// The analytics read model: per customer, the dated facts the analyses need,
// kept with their business time so any `asOf` can be answered by filtering.
// Contacts are not among them: a stream can hold years of them, and a
// document that grows with every event costs every later event a rewrite of
// all of it. The offers among them have a read model of their own, one
// document per contact (customer-read-models.ts, `offerContacts`).
import {
  assertNever,
  stageAfter,
  type ChurnReason,
  type Channel,
  type ContactOutcome,
  type Direction,
  type RecordedCustomerEvent,
  type Severity,
  type Stage,
  type WinBackVia,
} from '@rapport/domain';

export interface PurchaseFact {
  readonly occurredAt: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly campaignId?: string;
  readonly offerId?: string;
}

/** A `contacted` event that cites a campaign or an offer: an offer made, or an answer to one. */
export interface ContactFact {
  readonly occurredAt: string;
  readonly channel: Channel;
  readonly direction: Direction;
  readonly campaignId?: string;
  readonly offerId?: string;
  readonly actionId?: string;
  readonly outcome?: ContactOutcome;
}

export interface ComplaintFact {
  readonly complaintId: string;
  readonly category: string;
  readonly severity: Severity;
  readonly openedAt: string;
  readonly resolvedAt?: string;
}

export interface ChurnFact {
  readonly occurredAt: string;
  readonly reason: ChurnReason;
}

export interface WinBackFact {
  readonly occurredAt: string;
  readonly via: WinBackVia;
  readonly campaignId?: string;
}

/** A stage the customer entered, at the business time of the event that moved it. */
export interface StageFact {
  readonly stage: Stage;
  readonly occurredAt: string;
}

export interface CustomerFacts {
  readonly customerId: string;
  /** Revision of the last event applied: the replay guard. */
  readonly revision: number;
  /** Current stage, for the next transition. */
  readonly stage: Stage | null;
  readonly distinctOrders: number;
  readonly purchases: readonly PurchaseFact[];
  readonly complaints: readonly ComplaintFact[];
  readonly churns: readonly ChurnFact[];
  readonly winBacks: readonly WinBackFact[];
  readonly stages: readonly StageFact[];
}

export function projectCustomerFacts(facts: CustomerFacts | undefined, event: RecordedCustomerEvent): CustomerFacts {
  const current: CustomerFacts = facts ? withoutLegacyContacts(facts) : {
    customerId: event.customerId,
    revision: -1,
    stage: null,
    distinctOrders: 0,
    purchases: [],
    complaints: [],
    churns: [],
    winBacks: [],
    stages: [],
  };
  const next = withEvent(current, event);
  const stage = stageAfter(current.stage, event.type, next.distinctOrders);
  const moved = stage !== null && stage !== current.stage;
  return {
    ...next,
    revision: event.revision,
    stage,
    stages: moved ? [...current.stages, { stage, occurredAt: event.occurredAt }] : current.stages,
  };
}

/** A document projected before contacts had a read model of their own lists them: the next event drops the list. */
function withoutLegacyContacts(facts: CustomerFacts): CustomerFacts {
  if (!('contacts' in facts)) return facts;
  const { contacts: _dropped, ...rest } = facts as CustomerFacts & { contacts?: unknown };
  return rest;
}

function withEvent(current: CustomerFacts, event: RecordedCustomerEvent): CustomerFacts {
  switch (event.type) {
    // Facts hold no personal data, so an erasure leaves them as they are.
    case 'identified':
    case 'contacted':
    case 'qualified':
    case 'consent_changed':
    case 'personal_data_erased':
    case 'playbook_enrolled':
    case 'action_requested':
    case 'action_suppressed':
    case 'playbook_exited':
    case 'action_acknowledged':
      return current;
    case 'purchased':
      return {
        ...current,
        distinctOrders: current.distinctOrders + 1,
        purchases: [...current.purchases, { occurredAt: event.occurredAt, ...event.data }],
      };
    case 'complained': {
      const { complaintId, category, severity } = event.data;
      return { ...current, complaints: [...current.complaints, { complaintId, category, severity, openedAt: event.occurredAt }] };
    }
    case 'complaint_resolved':
      return {
        ...current,
        complaints: current.complaints.map((c) =>
          c.complaintId === event.data.complaintId && c.resolvedAt === undefined ? { ...c, resolvedAt: event.occurredAt } : c,
        ),
      };
    case 'churned':
      return { ...current, churns: [...current.churns, { occurredAt: event.occurredAt, reason: event.data.reason }] };
    case 'won_back': {
      const { via, campaignId } = event.data;
      return {
        ...current,
        winBacks: [...current.winBacks, { occurredAt: event.occurredAt, via, ...(campaignId !== undefined ? { campaignId } : {}) }],
      };
    }
    default:
      return assertNever(event);
  }
}

/** The contact as an offer fact, or undefined when it cites neither a campaign nor an offer (offer response never reads those). */
export function offerContactFact(event: Extract<RecordedCustomerEvent, { type: 'contacted' }>): ContactFact | undefined {
  if (event.data.campaignId === undefined && event.data.offerId === undefined) return undefined;
  return { occurredAt: event.occurredAt, ...event.data };
}

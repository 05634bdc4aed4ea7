// The customer 360 read model: a pure (document | undefined, event) → document.
// The runner, not this function, guards against replays by revision.
import {
  assertNever,
  stageAfter,
  type AcknowledgementStatus,
  type ChurnReason,
  type Channel,
  type ConsentChannel,
  type ConsentPurpose,
  type ContactOutcome,
  type Direction,
  type RecordedCustomerEvent,
  type Severity,
  type Stage,
  type WinBackVia,
} from '@rapport/domain';

export interface SpendByCurrency {
  /** Orders paid in this currency. */
  readonly orders: number;
  /** Sum of amounts, integer minor units. */
  readonly amount: number;
}

export interface OpenComplaint {
  readonly complaintId: string;
  readonly category: string;
  readonly severity: Severity;
  readonly openedAt: string;
}

export interface LastContact {
  readonly occurredAt: string;
  readonly channel: Channel;
  readonly direction: Direction;
  readonly outcome?: ContactOutcome;
  readonly campaignId?: string;
  readonly offerId?: string;
  readonly actionId?: string;
}

/** The customer's latest word on one channel (or `all`) and purpose. */
export interface ConsentEntry {
  readonly granted: boolean;
  /** occurredAt of the consent_changed that said so. */
  readonly changedAt: string;
  readonly source?: string;
}

/** An enrollment still running. */
export interface ActiveEnrollment {
  readonly enrollmentId: string;
  readonly playbookId: string;
  readonly version: number;
  readonly enrolledAt: string;
  readonly holdout: boolean;
}

/** A decided action: requested, or suppressed with its reason. */
export interface RecentAction {
  readonly actionId: string;
  readonly playbookId: string;
  readonly kind?: string;
  readonly status: 'requested' | 'suppressed';
  readonly reason?: string;
  readonly decidedAt: string;
  /** What the delivering system acknowledged of a requested action (`POST /v1/actions/{actionId}/ack`), once it has. */
  readonly delivery?: AcknowledgementStatus;
}

/** What playbooks are doing with the customer; present once one has decided anything. */
export interface PlaybooksView {
  readonly active: readonly ActiveEnrollment[];
  /** The latest decided actions, newest last, at most RECENT_ACTIONS. */
  readonly recentActions: readonly RecentAction[];
  /**
   * When each playbook with a running enrollment next needs the clock (its next
   * step, or its goal window's end), soonest first. Not projected: the API adds
   * it on read from the runner's due times, which depend on the definitions.
   */
  readonly nextDue?: readonly { readonly playbookId: string; readonly dueAt: string }[];
}

export const RECENT_ACTIONS = 10;

export type ConsentView = Readonly<Partial<Record<ConsentChannel, Readonly<Partial<Record<ConsentPurpose, ConsentEntry>>>>>>;

export interface ChurnEntry {
  readonly occurredAt: string;
  readonly reason: ChurnReason;
}

export interface WinBackEntry {
  readonly occurredAt: string;
  readonly via: WinBackVia;
  readonly campaignId?: string;
  readonly offerId?: string;
}

export interface CustomerView {
  readonly customerId: string;
  /** Revision of the last event applied: the replay guard. */
  readonly revision: number;
  readonly stage: Stage | null;
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** When the customer's personal data was last erased; identity fields given since then are shown again. */
  readonly personalDataErasedAt?: string;
  /**
   * The latest erasure: when it was asked for and its revision. Whether its keys
   * are destroyed yet is the key store's to say, so the API adds that on read.
   */
  readonly erasure?: { readonly requestedAt: string; readonly revision: number };
  readonly score: number | null;
  readonly purchases: {
    /** Distinct orders: the log records an order once. */
    readonly count: number;
    readonly byCurrency: Readonly<Record<string, SpendByCurrency>>;
    readonly firstAt: string | null;
    readonly lastAt: string | null;
  };
  readonly complaints: {
    readonly total: number;
    readonly resolved: number;
    readonly open: readonly OpenComplaint[];
  };
  readonly lastContact: LastContact | null;
  /** Present once a consent_changed is recorded: by channel (`all` for every channel), then purpose. */
  readonly consent?: ConsentView;
  readonly playbooks?: PlaybooksView;
  readonly churns: readonly ChurnEntry[];
  readonly winBacks: readonly WinBackEntry[];
  /** occurredAt of the earliest and latest events. */
  readonly firstSeenAt: string;
  readonly lastActivityAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function emptyCustomerView(event: RecordedCustomerEvent): CustomerView {
  return {
    customerId: event.customerId,
    revision: -1,
    stage: null,
    attributes: {},
    score: null,
    purchases: { count: 0, byCurrency: {}, firstAt: null, lastAt: null },
    complaints: { total: 0, resolved: 0, open: [] },
    lastContact: null,
    churns: [],
    winBacks: [],
    firstSeenAt: event.occurredAt,
    lastActivityAt: event.occurredAt,
    createdAt: event.recordedAt,
    updatedAt: event.recordedAt,
  };
}

export function projectCustomerView(view: CustomerView | undefined, event: RecordedCustomerEvent): CustomerView {
  const current = view ?? emptyCustomerView(event);
  const base: CustomerView = {
    ...current,
    revision: event.revision,
    firstSeenAt: earliest(current.firstSeenAt, event.occurredAt),
    lastActivityAt: latest(current.lastActivityAt, event.occurredAt),
    updatedAt: event.recordedAt,
  };
  const withStage = (next: CustomerView): CustomerView => ({
    ...next,
    stage: stageAfter(current.stage, event.type, next.purchases.count),
  });

  switch (event.type) {
    case 'identified': {
      const { name, email, phone, attributes } = event.data;
      return withStage({
        ...base,
        ...(name !== undefined ? { name } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(phone !== undefined ? { phone } : {}),
        attributes: { ...current.attributes, ...attributes },
      });
    }
    case 'contacted': {
      const contact: LastContact = { occurredAt: event.occurredAt, ...event.data };
      // Late events do not replace a more recent contact.
      const isLatest = !current.lastContact || Date.parse(current.lastContact.occurredAt) <= Date.parse(event.occurredAt);
      return withStage({ ...base, lastContact: isLatest ? contact : current.lastContact });
    }
    case 'qualified':
      return withStage({ ...base, score: event.data.score });
    case 'purchased': {
      const { amount, currency } = event.data;
      const spent = current.purchases.byCurrency[currency] ?? { orders: 0, amount: 0 };
      return withStage({
        ...base,
        purchases: {
          count: current.purchases.count + 1,
          byCurrency: { ...current.purchases.byCurrency, [currency]: { orders: spent.orders + 1, amount: spent.amount + amount } },
          firstAt: current.purchases.firstAt === null ? event.occurredAt : earliest(current.purchases.firstAt, event.occurredAt),
          lastAt: current.purchases.lastAt === null ? event.occurredAt : latest(current.purchases.lastAt, event.occurredAt),
        },
      });
    }
    case 'complained': {
      const { complaintId, category, severity } = event.data;
      return withStage({
        ...base,
        complaints: {
          ...current.complaints,
          total: current.complaints.total + 1,
          open: [...current.complaints.open, { complaintId, category, severity, openedAt: event.occurredAt }],
        },
      });
    }
    case 'complaint_resolved': {
      const open = current.complaints.open.filter((c) => c.complaintId !== event.data.complaintId);
      const resolved = current.complaints.resolved + (open.length < current.complaints.open.length ? 1 : 0);
      return withStage({ ...base, complaints: { ...current.complaints, open, resolved } });
    }
    case 'churned':
      return withStage({
        ...base,
        churns: [...current.churns, { occurredAt: event.occurredAt, reason: event.data.reason }],
      });
    case 'won_back':
      return withStage({
        ...base,
        winBacks: [...current.winBacks, { occurredAt: event.occurredAt, ...event.data }],
      });
    case 'consent_changed': {
      const { channel, purpose, granted, source } = event.data;
      const stored = current.consent?.[channel]?.[purpose];
      // A late event does not replace what the customer said more recently.
      if (stored && Date.parse(stored.changedAt) > Date.parse(event.occurredAt)) return withStage(base);
      const entry: ConsentEntry = { granted, changedAt: event.occurredAt, ...(source !== undefined ? { source } : {}) };
      return withStage({ ...base, consent: { ...current.consent, [channel]: { ...current.consent?.[channel], [purpose]: entry } } });
    }
    case 'playbook_enrolled':
    case 'action_requested':
    case 'action_suppressed':
    case 'playbook_exited':
    case 'action_acknowledged':
      return withStage({ ...base, playbooks: playbooksAfter(current.playbooks ?? { active: [], recentActions: [] }, event) });
    case 'personal_data_erased': {
      // An erasure is an administrative act, not customer activity: first seen and last activity stay.
      const { name: _name, email: _email, phone: _phone, ...rest } = current;
      return withStage({
        ...rest,
        revision: event.revision,
        updatedAt: event.recordedAt,
        attributes: {},
        personalDataErasedAt: event.occurredAt,
        erasure: { requestedAt: event.occurredAt, revision: event.revision },
      });
    }
    default:
      return assertNever(event);
  }
}

type PlaybookDecision = Extract<RecordedCustomerEvent, { type: 'playbook_enrolled' | 'action_requested' | 'action_suppressed' | 'playbook_exited' | 'action_acknowledged' }>;

function playbooksAfter(view: PlaybooksView, event: PlaybookDecision): PlaybooksView {
  const recent = (action: RecentAction) => ({ ...view, recentActions: [...view.recentActions, action].slice(-RECENT_ACTIONS) });
  switch (event.type) {
    case 'playbook_enrolled': {
      const { enrollmentId, playbookId, version, holdout } = event.data;
      return { ...view, active: [...view.active, { enrollmentId, playbookId, version, enrolledAt: event.occurredAt, holdout }] };
    }
    case 'action_requested':
      return recent({ actionId: event.data.actionId, playbookId: event.data.playbookId, kind: event.data.action.kind, status: 'requested', decidedAt: event.occurredAt });
    case 'action_suppressed':
      return recent({ actionId: event.data.actionId, playbookId: event.data.playbookId, status: 'suppressed', reason: event.data.reason, decidedAt: event.occurredAt });
    case 'playbook_exited':
      return { ...view, active: view.active.filter((enrollment) => enrollment.enrollmentId !== event.data.enrollmentId) };
    case 'action_acknowledged': {
      // Marks the action's entry, if it is still among the recent ones; an acknowledgement decides nothing new.
      const { actionId, status } = event.data;
      const acknowledged = (action: RecentAction): RecentAction => (action.actionId === actionId && action.status === 'requested' ? { ...action, delivery: status } : action);
      return { ...view, recentActions: view.recentActions.map(acknowledged) };
    }
    default:
      return assertNever(event);
  }
}

function earliest(a: string, b: string): string {
  return Date.parse(b) < Date.parse(a) ? b : a;
}

function latest(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

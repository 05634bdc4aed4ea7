// Conditions (`when`, `if`) read the customer as the 360 shows it at decision
// time. A value that is not known (no model fit yet, no segment) satisfies no
// comparison, `ne` included: a playbook never acts on what it cannot see.
import type { ConsentPurpose, Stage } from '@rapport/domain';
import type { ConsentView } from '@rapport/projections';
import { ANALYTICS_CONDITION_FIELDS, type Condition, type MarketingChannel, type Scalar } from './playbook-definition';

/** The customer as conditions see it. */
export interface DecisionContext {
  readonly stage: Stage | null;
  readonly segment: string | null;
  readonly pAlive: number | null;
  readonly clv: number | null;
  /** 0 = most valuable, 1 = least, by CLV. */
  readonly valueRank: number | null;
  readonly openComplaints: number;
  readonly purchasesCount: number;
  readonly consent: ConsentView | undefined;
  /** `RAPPORT_CONSENT_DEFAULT`: what no word from the customer means. */
  readonly consentDefault: ConsentDefault;
}

export type ConsentDefault = 'opt-in' | 'opt-out';

/**
 * Whether the customer may be contacted on `channel` for `purpose`: their
 * latest word on that channel or on `all` (whichever they said last), else the
 * default (`opt-in`: not without a grant; `opt-out`: until they withdraw).
 */
export function consentGranted(consent: ConsentView | undefined, channel: MarketingChannel, purpose: ConsentPurpose, fallback: ConsentDefault): boolean {
  const entries = [consent?.[channel]?.[purpose], consent?.all?.[purpose]].filter((entry) => entry !== undefined);
  if (entries.length === 0) return fallback === 'opt-out';
  const latest = entries.reduce((a, b) => (Date.parse(b.changedAt) > Date.parse(a.changedAt) ? b : a));
  return latest.granted;
}

function valueOf(field: string, context: DecisionContext): Scalar | null {
  switch (field) {
    case 'stage':
      return context.stage;
    case 'segment':
      return context.segment;
    case 'pAlive':
      return context.pAlive;
    case 'clv':
      return context.clv;
    case 'valueRank':
      return context.valueRank;
    case 'openComplaints':
      return context.openComplaints;
    case 'purchases.count':
      return context.purchasesCount;
    default: {
      const consent = /^consent\.([a-z]+)\.([a-z]+)$/.exec(field);
      if (consent) return consentGranted(context.consent, consent[1] as MarketingChannel, consent[2] as ConsentPurpose, context.consentDefault);
      throw new Error(`unknown condition field ${field}`);
    }
  }
}

export function conditionHolds(condition: Condition, context: DecisionContext): boolean {
  const actual = valueOf(condition.field, context);
  if (actual === null) return false;
  const wanted = condition.value;
  switch (condition.op) {
    case 'eq':
      return actual === wanted;
    case 'ne':
      return actual !== wanted;
    case 'in':
      return (wanted as readonly Scalar[]).includes(actual);
    case 'lt':
      return (actual as number) < (wanted as number);
    case 'lte':
      return (actual as number) <= (wanted as number);
    case 'gt':
      return (actual as number) > (wanted as number);
    case 'gte':
      return (actual as number) >= (wanted as number);
  }
}

/** Every condition holds (an empty list holds). */
export function conditionsHold(conditions: readonly Condition[], context: DecisionContext): boolean {
  return conditions.every((condition) => conditionHolds(condition, context));
}

/** What the analytics say of a customer, as conditions read it. */
export type AnalyticsContext = Pick<DecisionContext, 'segment' | 'pAlive' | 'clv' | 'valueRank'>;

/**
 * Whether the conditions on analytics fields hold for these facts (those on
 * the customer's own stream are not looked at). When one does not, `when`
 * cannot hold, whatever the stream says: a runner may leave the customer out
 * of a signal before reading their stream.
 */
export function analyticsConditionsHold(conditions: readonly Condition[], facts: AnalyticsContext): boolean {
  const context: DecisionContext = { ...facts, stage: null, openComplaints: 0, purchasesCount: 0, consent: undefined, consentDefault: 'opt-in' };
  return conditions.every((condition) => !ANALYTICS_CONDITION_FIELDS.has(condition.field) || conditionHolds(condition, context));
}

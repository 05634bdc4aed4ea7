// The relationship loop as data: identify → acquire → nurture → retain → win-back.
// The decider reads it to refuse, analytics read it to count conversions and the
// docs draw it, so the three cannot disagree.
import type { CustomerEventType } from './events';

export const STAGES = ['prospect', 'qualified', 'customer', 'repeat', 'churned'] as const;
export type Stage = (typeof STAGES)[number];

export const PHASES = ['identify', 'acquire', 'nurture', 'retain', 'win-back'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * `to: 'by-orders'` resolves to `repeat` once the customer has two distinct
 * orders and to `customer` before that.
 */
export interface LoopTransition {
  readonly phase: Phase;
  readonly event: CustomerEventType;
  /** Stages the event moves from; `null` means "a stream with no stage yet". */
  readonly from: readonly (Stage | null)[];
  readonly to: Stage | 'by-orders';
}

export const LOOP: readonly LoopTransition[] = [
  { phase: 'identify', event: 'identified', from: [null], to: 'prospect' },
  { phase: 'acquire', event: 'qualified', from: ['prospect'], to: 'qualified' },
  { phase: 'nurture', event: 'purchased', from: ['prospect', 'qualified', 'customer'], to: 'by-orders' },
  { phase: 'retain', event: 'purchased', from: ['repeat'], to: 'repeat' },
  { phase: 'win-back', event: 'churned', from: ['customer', 'repeat'], to: 'churned' },
  { phase: 'win-back', event: 'won_back', from: ['churned'], to: 'by-orders' },
];

/** Every stream enters the loop as a prospect, whatever its first event. */
export const ENTRY_STAGE: Stage = 'prospect';

/** Orders needed before a customer counts as `repeat`. */
export const REPEAT_ORDER_COUNT = 2;

export function stagesAccepting(event: CustomerEventType): readonly (Stage | null)[] {
  return LOOP.filter((t) => t.event === event).flatMap((t) => t.from);
}

/**
 * The stage an event leads to from `stage`, or `undefined` when the loop has no
 * transition for it (the stage stays, e.g. a contact or a re-qualification).
 */
export function nextStage(
  stage: Stage | null,
  event: CustomerEventType,
  distinctOrders: number,
): Stage | undefined {
  const transition = LOOP.find((t) => t.event === event && t.from.includes(stage));
  if (!transition) return undefined;
  if (transition.to !== 'by-orders') return transition.to;
  return distinctOrders >= REPEAT_ORDER_COUNT ? 'repeat' : 'customer';
}

/**
 * The stage after an event: a stream with no stage enters the loop as a
 * prospect (unless the event is the identification that puts it there), then
 * follows the loop's transition for the event, if any.
 */
export function stageAfter(
  stage: Stage | null,
  event: CustomerEventType,
  distinctOrdersAfter: number,
): Stage | null {
  const from = stageMet(stage, event);
  return nextStage(from, event, distinctOrdersAfter) ?? from;
}

/** The stage an event meets: a new stream enters the loop as a prospect. */
export function stageMet(stage: Stage | null, event: CustomerEventType): Stage | null {
  if (stage !== null) return stage;
  return event === 'identified' ? null : ENTRY_STAGE;
}

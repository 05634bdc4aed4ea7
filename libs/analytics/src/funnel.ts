// The funnel: how many customers are in each loop stage as of asOf, and how
// they converted between stages. The stages and the conversions come from the
// loop table of @rapport/domain, the same one the decider enforces.
import { ENTRY_STAGE, LOOP, STAGES, type Phase, type Stage } from '@rapport/domain';
import { ratio } from './stats';
import { instant } from './time';

/** A stage the customer entered, at the business time of the event that moved it. */
export interface StageTransitionInput {
  readonly stage: Stage;
  readonly occurredAt: string;
}

/**
 * A customer's stage history in the order the events were recorded — the
 * order the decider applied them — as the customer-facts read model keeps it
 * in `stages`. A stream that did not start with `identified` has no explicit
 * `prospect` entry; every history counts as entering the loop as a prospect.
 */
export interface StageHistory {
  readonly customerId: string;
  readonly stages: readonly StageTransitionInput[];
}

/** A conversion of the loop: customers who were ever in `from`, and those of them who later entered any of `to`. */
export interface Conversion {
  readonly phase: Phase;
  readonly from: Stage;
  readonly to: readonly Stage[];
  readonly entered: number;
  readonly converted: number;
  /** converted / entered (0 when nobody entered). */
  readonly rate: number;
}

export interface FunnelResult {
  /** Customers with at least one stage entered by asOf. */
  readonly customers: number;
  /** Current stage as of asOf, every stage present (zeros included). */
  readonly byStage: Readonly<Record<Stage, number>>;
  /** Customers who were ever in each stage by asOf. */
  readonly reached: Readonly<Record<Stage, number>>;
  readonly conversions: readonly Conversion[];
}

/**
 * The conversions the loop allows, read off LOOP: for each transition and each
 * stage it leaves from, the stages it can lead to other than that stage
 * (`by-orders` means customer or repeat). Transitions that keep the stage
 * (a repeat customer's next purchase) are no conversion.
 */
export const LOOP_CONVERSIONS: readonly { readonly phase: Phase; readonly from: Stage; readonly to: readonly Stage[] }[] = LOOP.flatMap((t) =>
  t.from.flatMap((from) => {
    if (from === null) return [];
    const targets: Stage[] = t.to === 'by-orders' ? ['customer', 'repeat'] : [t.to];
    const to = targets.filter((s) => s !== from);
    return to.length > 0 ? [{ phase: t.phase, from, to }] : [];
  }),
);

function zeros(): Record<Stage, number> {
  return Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
}

/**
 * The funnel as of `asOf`. Only transitions with occurredAt ≤ asOf count, kept
 * in record order: the current stage is the last of them (so a late event,
 * recorded after others but dated before them, does not undo their effect),
 * and "later entered" means later in that order.
 */
export function funnel(histories: readonly StageHistory[], asOf: string): FunnelResult {
  const cutoff = instant(asOf, 'asOf');
  const byStage = zeros();
  const reached = zeros();
  const entered = LOOP_CONVERSIONS.map(() => 0);
  const converted = LOOP_CONVERSIONS.map(() => 0);
  let customers = 0;
  for (const h of histories) {
    const path = h.stages.filter((s) => instant(s.occurredAt, 'occurredAt') <= cutoff).map((s) => s.stage);
    if (path.length === 0) continue;
    if (path[0] !== ENTRY_STAGE) path.unshift(ENTRY_STAGE);
    customers += 1;
    byStage[path[path.length - 1]] += 1;
    for (const s of new Set(path)) reached[s] += 1;
    LOOP_CONVERSIONS.forEach((c, i) => {
      const first = path.indexOf(c.from);
      if (first < 0) return;
      entered[i] += 1;
      if (path.slice(first + 1).some((s) => c.to.includes(s))) converted[i] += 1;
    });
  }
  return {
    customers,
    byStage,
    reached,
    conversions: LOOP_CONVERSIONS.map((c, i) => ({ ...c, entered: entered[i], converted: converted[i], rate: ratio(converted[i], entered[i]) })),
  };
}

// Signal triggers (SPEC section 10): conditions over every customer, evaluated
// on a schedule (RAPPORT_SIGNAL_EVERY) and when a playbook is published. Pure:
// the caller gathers each customer's facts as of the firing instant.
import type { Stage } from '@rapport/domain';
import { durationMs } from './duration';
import type { Trigger } from './playbook-definition';

export type SignalTrigger = Extract<Trigger, { signal: string }>;

/** What a signal reads of one customer, as of the instant it fires. */
export interface SignalFacts {
  readonly stage: Stage | null;
  /** When the customer entered `stage`. */
  readonly stageSince: string | null;
  readonly lastPurchaseAt: string | null;
  /** BG/NBD P(alive); null without purchases or without a fitted model. */
  readonly pAlive: number | null;
}

export function isSignalTrigger(trigger: Trigger): trigger is SignalTrigger {
  return 'signal' in trigger;
}

/** Whether the signal holds for the customer at `at`. Nothing known holds nothing. */
export function signalHolds(trigger: SignalTrigger, facts: SignalFacts, at: string): boolean {
  const atMs = Date.parse(at);
  switch (trigger.signal) {
    case 'p_alive_below':
      return facts.pAlive !== null && facts.pAlive < trigger.threshold;
    case 'no_purchase_for':
      return facts.lastPurchaseAt !== null && Date.parse(facts.lastPurchaseAt) + durationMs(trigger.duration)! <= atMs;
    case 'stage_for':
      return facts.stage === trigger.stage && facts.stageSince !== null && Date.parse(facts.stageSince) + durationMs(trigger.duration)! <= atMs;
  }
}

/**
 * The instant a scheduled evaluation fires at: `now` rounded down to the
 * schedule, so every runner (and every restart) in the same period fires the
 * same signal at the same instant, and the decisions it leads to are the same.
 */
export function signalSlot(now: string, everyMs: number): string {
  const ms = Date.parse(now);
  return new Date(ms - (ms % everyMs)).toISOString();
}

// Acknowledgements (SPEC section 10, "Delivery"): the system that carries out a
// requested action reports it delivered or failed. The report is an event on
// the customer's stream (`action_acknowledged`), recorded through the customer
// decider like any other, so the 360, the action queue and the audit trail all
// see it.
//
// Once per action: its eventId derives from the actionId, as the runner derives
// each decision's, so asking again records nothing (a duplicate) and a
// different answer for the same action is a CONFLICTING_DUPLICATE.
import type { AcknowledgementStatus, ActionRequestedData } from '@rapport/domain';
import type { EventStore } from '@rapport/event-store';
import type { Clock, CustomerCommands, RecordOutcome } from '../customer-commands.service';
import { acknowledgementEventId, decisionEventId } from './playbook-runner';

export type AcknowledgementOutcome =
  /** No action was ever requested under this actionId. */
  | { readonly found: false }
  /** The action's customer, and what recording the acknowledgement came to. */
  | { readonly found: true; readonly customerId: string; readonly outcome: RecordOutcome };

export class ActionAcknowledgement {
  constructor(
    /** The customer log, where the runner recorded the action (read only: writes go through `commands`). */
    private readonly log: EventStore,
    private readonly commands: CustomerCommands,
    private readonly clock: Clock,
  ) {}

  async acknowledge(actionId: string, status: AcknowledgementStatus, detail: string | undefined, actor: string): Promise<AcknowledgementOutcome> {
    // The runner recorded the action under decisionEventId(actionId): one indexed read finds it and its customer.
    const requested = await this.log.findByEventId(decisionEventId(actionId));
    if (requested?.type !== 'action_requested' || (requested.data as ActionRequestedData).actionId !== actionId) return { found: false };
    const { customerId } = requested;
    const eventId = acknowledgementEventId(actionId);
    const data = { actionId, playbookId: (requested.data as ActionRequestedData).playbookId, status, ...(detail !== undefined ? { detail } : {}) };
    const record = (occurredAt: string) =>
      this.commands.record({ customerId, type: 'action_acknowledged', eventId, occurredAt, data, metadata: { actor, causationId: requested.eventId } });

    // Asked again: the acknowledgement already recorded, dated as it was, so the decider compares the payloads
    // alone (the same: a duplicate; another: CONFLICTING_DUPLICATE).
    const prior = await this.log.findByEventId(eventId);
    const occurredAt = prior?.occurredAt ?? this.clock.now().toISOString();
    const outcome = await record(occurredAt);
    if (outcome.status === 'rejected' && outcome.code === 'CONFLICTING_DUPLICATE' && !prior) {
      // Another acknowledgement landed between the look-up and the append: compare with it, dated as it is.
      const landed = await this.log.findByEventId(eventId);
      if (landed && landed.occurredAt !== occurredAt) return { found: true, customerId, outcome: await record(landed.occurredAt) };
    }
    return { found: true, customerId, outcome };
  }
}

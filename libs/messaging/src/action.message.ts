// The action feed (SPEC section 10, "Delivery"): every action a playbook
// requested, on its own topic for the systems that carry actions out. The
// relay publishes it in the same Kafka transaction as the customer events and
// its checkpoint, so a read_committed consumer sees each action exactly once,
// in order per customer (the key).
import type { RecordedCustomerEvent } from '@rapport/domain';
import type { RecordedEvent } from '@rapport/event-store';
import { actionEventType, actionPayload } from '@rapport/playbooks';

export const ACTIONS_TOPIC = 'rapport.actions.v1';
export const ACTION_CE_SOURCE = '/rapport/playbooks';

export interface ActionMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The action message of a recorded `action_requested`; undefined for any other event. */
export function toActionMessage(event: RecordedEvent): ActionMessage | undefined {
  if (event.type !== 'action_requested') return undefined;
  const body = actionPayload(event as Extract<RecordedCustomerEvent, { type: 'action_requested' }>);
  return {
    key: event.customerId,
    value: JSON.stringify(body),
    headers: {
      ce_specversion: '1.0',
      ce_id: body.actionId,
      ce_source: ACTION_CE_SOURCE,
      ce_type: actionEventType(body.kind),
      ce_time: event.occurredAt,
      ce_subject: event.customerId,
      'content-type': 'application/json',
    },
  };
}

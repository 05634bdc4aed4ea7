// The action feed (SPEC section 10, "Delivery"): every action a playbook
// requested, on its own topic for the systems that carry actions out. The
// relay publishes it in the same Kafka transaction as the customer events and
// its checkpoint, so a read_committed consumer sees each action exactly once,
// in order per customer (the key).
import type { RecordedEvent } from '@rapport/event-store';

export const ACTIONS_TOPIC = 'rapport.actions.v1';
export const ACTION_CE_SOURCE = '/rapport/playbooks';
export const actionCeType = (kind: string): string => `rapport.action.${kind}.v1`;

export interface ActionMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The action message of a recorded `action_requested`; undefined for any other event. */
export function toActionMessage(event: RecordedEvent): ActionMessage | undefined {
  if (event.type !== 'action_requested') return undefined;
  const data = event.data as { actionId: string; playbookId: string; version: number; enrollmentId: string; step: number; action: { kind: string } };
  const body = {
    actionId: data.actionId,
    customerId: event.customerId,
    playbookId: data.playbookId,
    version: data.version,
    enrollmentId: data.enrollmentId,
    step: data.step,
    kind: data.action.kind,
    action: data.action,
    requestedAt: event.occurredAt,
    eventId: event.eventId,
  };
  return {
    key: event.customerId,
    value: JSON.stringify(body),
    headers: {
      ce_specversion: '1.0',
      ce_id: data.actionId,
      ce_source: ACTION_CE_SOURCE,
      ce_type: actionCeType(data.action.kind),
      ce_time: event.occurredAt,
      ce_subject: event.customerId,
      'content-type': 'application/json',
    },
  };
}

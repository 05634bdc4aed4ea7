// A requested action as the systems that carry it out receive it, on every
// channel alike (the Kafka action feed, webhooks).
import type { RecordedCustomerEvent } from '@rapport/domain';

export interface ActionPayload {
  readonly actionId: string;
  readonly customerId: string;
  readonly playbookId: string;
  readonly version: number;
  readonly enrollmentId: string;
  readonly step: number;
  readonly kind: string;
  /** The step's action as the playbook defines it. */
  readonly action: Readonly<Record<string, unknown>> & { readonly kind: string };
  /** When it fell due (the decision's occurredAt). */
  readonly requestedAt: string;
  /** The action_requested event's id. */
  readonly eventId: string;
}

export function actionPayload(event: Extract<RecordedCustomerEvent, { type: 'action_requested' }>): ActionPayload {
  const { actionId, playbookId, version, enrollmentId, step, action } = event.data;
  return { actionId, customerId: event.customerId, playbookId, version, enrollmentId, step, kind: action.kind, action, requestedAt: event.occurredAt, eventId: event.eventId };
}

/** CloudEvents type (and Standard Webhooks `type`) of an action of this kind. */
export function actionEventType(kind: string): string {
  return `rapport.action.${kind}.v1`;
}

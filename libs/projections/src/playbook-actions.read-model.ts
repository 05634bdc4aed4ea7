// The action queue (SPEC section 10, "Delivery"): every action a playbook
// requested, waiting for the systems that talk to customers. A `contacted`
// event naming the actionId marks it delivered; an `action_acknowledged`
// (`POST /v1/actions/{actionId}/ack`) marks it delivered or failed. Whichever
// comes first settles it: a settled action is never moved again.
import { defineCollection, eventProjection, insert, update } from '@rapport/document-store';
import type { RecordedCustomerEvent } from '@rapport/domain';

export type ActionStatus = 'pending' | 'delivered' | 'failed';
export const ACTION_STATUSES: readonly ActionStatus[] = ['pending', 'delivered', 'failed'];

export interface ActionDocument {
  /** The actionId. */
  readonly _id: string;
  /** Revision of the customer's event that last changed it. */
  readonly revision: number;
  readonly customerId: string;
  readonly playbookId: string;
  readonly version: number;
  readonly enrollmentId: string;
  readonly step: number;
  readonly kind: string;
  /** The step's action as the playbook defines it. */
  readonly action: Readonly<Record<string, unknown>>;
  readonly status: ActionStatus;
  /** When it fell due (the decision's occurredAt). */
  readonly requestedAt: string;
  /** eventId of the decision. */
  readonly eventId: string;
  readonly deliveredAt?: string;
  /** eventId of the `contacted` that reported it delivered. */
  readonly deliveredBy?: string;
  /** When it was acknowledged (the `action_acknowledged`'s occurredAt). */
  readonly acknowledgedAt?: string;
  /** What the delivering system said with its acknowledgement. */
  readonly detail?: string;
}

export const playbookActions = defineCollection<ActionDocument>({
  name: 'playbook_actions',
  fields: { status: 'string', kind: 'string', playbookId: 'string', customerId: 'string', requestedAt: 'string' },
  indexes: [{ fields: ['status', 'requestedAt'] }, { fields: ['playbookId', 'requestedAt'] }, { fields: ['requestedAt'] }],
});

export const playbookActionsProjection = eventProjection<RecordedCustomerEvent>({
  name: 'playbook-actions',
  handles: ['action_requested', 'contacted', 'action_acknowledged'],
  collections: [playbookActions],
  project: (event) => {
    switch (event.type) {
      case 'action_requested': {
        const { actionId, playbookId, version, enrollmentId, step, action } = event.data;
        return [
          insert(playbookActions, {
            _id: actionId,
            revision: event.revision,
            customerId: event.customerId,
            playbookId,
            version,
            enrollmentId,
            step,
            kind: action.kind,
            action,
            status: 'pending',
            requestedAt: new Date(Date.parse(event.occurredAt)).toISOString(),
            eventId: event.eventId,
          }),
        ];
      }
      case 'contacted': {
        const { actionId } = event.data;
        if (actionId === undefined) return [];
        // Only the customer's own action, and only once: a redelivery finds it delivered already.
        const delivered = (document: ActionDocument): ActionDocument | undefined =>
          document.customerId === event.customerId && document.status === 'pending'
            ? { ...document, revision: event.revision, status: 'delivered', deliveredAt: event.occurredAt, deliveredBy: event.eventId }
            : undefined;
        return [update(playbookActions, [{ field: '_id', eq: actionId }], delivered)];
      }
      case 'action_acknowledged': {
        const { actionId, status, detail } = event.data;
        // As for a contact: only the customer's own action, and only while pending.
        const acknowledged = (document: ActionDocument): ActionDocument | undefined =>
          document.customerId === event.customerId && document.status === 'pending'
            ? { ...document, revision: event.revision, status, acknowledgedAt: event.occurredAt, ...(detail !== undefined ? { detail } : {}) }
            : undefined;
        return [update(playbookActions, [{ field: '_id', eq: actionId }], acknowledged)];
      }
      default:
        return [];
    }
  },
});

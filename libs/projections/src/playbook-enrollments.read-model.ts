// Enrollments of each playbook (SPEC section 10, "Reading"): who entered,
// when, in which group, and how it ended. What `GET /v1/playbooks/{id}/enrollments`
// lists and the results count.
import { defineCollection, eventProjection, insert, update } from '@rapport/document-store';
import type { RecordedCustomerEvent } from '@rapport/domain';

export type EnrollmentStatus = 'running' | 'ended';
export const ENROLLMENT_STATUSES: readonly EnrollmentStatus[] = ['running', 'ended'];

export interface EnrollmentDocument {
  /** `<customerId>|<enrollmentId>`: an enrollmentId is per customer. */
  readonly _id: string;
  readonly revision: number;
  readonly customerId: string;
  readonly playbookId: string;
  readonly version: number;
  readonly enrollmentId: string;
  /** In the control group. */
  readonly holdout: boolean;
  readonly trigger: Readonly<Record<string, unknown>>;
  readonly enrolledAt: string;
  readonly status: EnrollmentStatus;
  readonly outcome?: string;
  readonly endedAt?: string;
}

export const playbookEnrollments = defineCollection<EnrollmentDocument>({
  name: 'playbook_enrollments',
  fields: { playbookId: 'string', status: 'string', customerId: 'string', enrolledAt: 'string', version: 'number' },
  indexes: [{ fields: ['playbookId', 'enrolledAt'] }, { fields: ['playbookId', 'status', 'enrolledAt'] }],
});

export function enrollmentDocumentId(customerId: string, enrollmentId: string): string {
  return `${customerId}|${enrollmentId}`;
}

export const playbookEnrollmentsProjection = eventProjection<RecordedCustomerEvent>({
  name: 'playbook-enrollments',
  handles: ['playbook_enrolled', 'playbook_exited'],
  collections: [playbookEnrollments],
  project: (event) => {
    switch (event.type) {
      case 'playbook_enrolled': {
        const { playbookId, version, enrollmentId, holdout, trigger } = event.data;
        return [
          insert(playbookEnrollments, {
            _id: enrollmentDocumentId(event.customerId, enrollmentId),
            revision: event.revision,
            customerId: event.customerId,
            playbookId,
            version,
            enrollmentId,
            holdout,
            trigger,
            enrolledAt: new Date(Date.parse(event.occurredAt)).toISOString(),
            status: 'running',
          }),
        ];
      }
      case 'playbook_exited': {
        const { outcome } = event.data;
        const ended = (document: EnrollmentDocument): EnrollmentDocument | undefined =>
          document.status === 'running' ? { ...document, revision: event.revision, status: 'ended', outcome, endedAt: event.occurredAt } : undefined;
        return [update(playbookEnrollments, [{ field: '_id', eq: enrollmentDocumentId(event.customerId, event.data.enrollmentId) }], ended)];
      }
      default:
        return [];
    }
  },
});

// The customer read models, declared: each is a collection and a pure function
// of events, and the handler in libs/application applies them without knowing
// any of them by name. A new read model is a file like these and one line in
// READ_MODELS.
import { defineCollection, eventProjection, insert, streamDocumentProjection, update, type Projection } from '@rapport/document-store';
import { EVENT_TYPES, type RecordedCustomerEvent } from '@rapport/domain';
import { offerContactFact, projectCustomerFacts, type ContactFact, type CustomerFacts } from './customer-facts.projection';
import { projectCustomerView, type CustomerView } from './customer-view.projection';
import { playbookActionsProjection } from './playbook-actions.read-model';
import { playbookEnrollmentsProjection } from './playbook-enrollments.read-model';
import { projectTimelineEntry, redactTimelineEntry, type TimelineEntry } from './timeline.projection';

/** Moves whenever a customer's analytics facts change: the facts snapshot is keyed by it. */
export const FACTS_VERSION = 'customer-facts';
/** Moves whenever a purchase reaches the facts: model fits are keyed by it. */
export const PURCHASES_VERSION = 'purchases';

export type CustomerViewDocument = CustomerView & { readonly _id: string };

export const customerViews = defineCollection<CustomerViewDocument>({
  name: 'customer_views',
  fields: { stage: 'string', name: 'string', email: 'string' },
  indexes: [{ fields: ['stage'] }],
  search: ['_id', 'name', 'email'],
});

/** The 360 of each customer. */
export const customerViewProjection = streamDocumentProjection<RecordedCustomerEvent, CustomerViewDocument>({
  name: 'customer-views',
  handles: EVENT_TYPES,
  collection: customerViews,
  // The replaced 360 held the name, email and phone an erasure removes.
  erases: ['personal_data_erased'],
  documentId: (event) => event.customerId,
  evolve: (document, event) => ({ _id: event.customerId, ...projectCustomerView(document, event) }),
});

/**
 * A timeline entry as stored. `revision` is the guard: the event's revision,
 * or the erasure's once the entry is redacted, so a redelivered event never
 * puts the personal data back. `eventRevision` orders entries of one instant.
 */
export interface TimelineDocument {
  readonly _id: string;
  readonly revision: number;
  readonly customerId: string;
  readonly occurredAtMs: number;
  readonly eventRevision: number;
  readonly entry: TimelineEntry;
}

export const customerTimeline = defineCollection<TimelineDocument>({
  name: 'customer_timeline',
  fields: { customerId: 'string', occurredAtMs: 'number', eventRevision: 'number' },
  indexes: [{ fields: ['customerId', 'occurredAtMs', 'eventRevision'] }],
});

export function timelineDocumentId(customerId: string, revision: number): string {
  // Zero-padded, so a customer's entries scan in revision order.
  return `${customerId}/${String(revision).padStart(16, '0')}`;
}

/** One entry per event; an erasure redacts the entries recorded before it. */
export const customerTimelineProjection = eventProjection<RecordedCustomerEvent>({
  name: 'customer-timeline',
  handles: EVENT_TYPES,
  collections: [customerTimeline],
  erases: ['personal_data_erased'],
  project: (event) => {
    const entry = projectTimelineEntry(event);
    // Written once: a redelivered event finds its entry and leaves it as a later erasure made it.
    const written = insert(customerTimeline, {
      _id: timelineDocumentId(event.customerId, event.revision),
      revision: event.revision,
      customerId: event.customerId,
      occurredAtMs: entry.occurredAtMs,
      eventRevision: event.revision,
      entry,
    });
    if (event.type !== 'personal_data_erased') return [written];
    // A replay after the erasure reads those fields as gone anyway and converges here.
    const redact = (document: TimelineDocument): TimelineDocument | undefined =>
      document.eventRevision < event.revision && !document.entry.personalDataErased
        ? { ...document, revision: event.revision, entry: redactTimelineEntry(document.entry) }
        : undefined;
    return [written, update(customerTimeline, [{ field: 'customerId', eq: event.customerId }], redact)];
  },
});

export type CustomerFactsDocument = CustomerFacts & { readonly _id: string };

export const customerFacts = defineCollection<CustomerFactsDocument>({ name: 'customer_facts_by_id' });

/** The dated facts the analyses read. */
export const customerFactsProjection = streamDocumentProjection<RecordedCustomerEvent, CustomerFactsDocument>({
  name: 'customer-facts',
  handles: EVENT_TYPES,
  collection: customerFacts,
  versions: { [FACTS_VERSION]: EVENT_TYPES, [PURCHASES_VERSION]: ['purchased'] },
  documentId: (event) => event.customerId,
  evolve: (document, event) => ({ _id: event.customerId, ...projectCustomerFacts(document, event) }),
});

/** A contact that cites a campaign or an offer, as stored: one document per event, never rewritten. */
export interface OfferContactDocument {
  readonly _id: string;
  readonly revision: number;
  readonly customerId: string;
  readonly contact: ContactFact;
}

export const offerContacts = defineCollection<OfferContactDocument>({
  name: 'customer_offer_contacts',
  fields: { customerId: 'string' },
  indexes: [{ fields: ['customerId'] }],
});

/**
 * The offers made and the answers to them, which offer response reads. Kept
 * apart from the facts so that a customer contacted for years costs each new
 * contact one insert, not a rewrite of every earlier one.
 */
export const offerContactsProjection = eventProjection<RecordedCustomerEvent>({
  name: 'customer-offer-contacts',
  handles: ['contacted'],
  collections: [offerContacts],
  project: (event) => {
    if (event.type !== 'contacted') return [];
    const contact = offerContactFact(event);
    // Written once, like a timeline entry: a redelivered event finds it there. Its id sorts a customer's contacts by revision.
    return contact === undefined
      ? []
      : [insert(offerContacts, { _id: timelineDocumentId(event.customerId, event.revision), revision: event.revision, customerId: event.customerId, contact })];
  },
});

/** Every read model the customer events feed. */
export const READ_MODELS: readonly Projection<RecordedCustomerEvent>[] = [
  customerViewProjection,
  customerTimelineProjection,
  customerFactsProjection,
  offerContactsProjection,
  playbookActionsProjection,
  playbookEnrollmentsProjection,
];

// What the read side asks of the customer read models, over the document-store
// port: the 360, lists and search, the timeline, the analytics facts. One
// implementation for every adapter (embedded SQLite, MongoDB).
import type { Condition, DocumentStore, Page } from '@rapport/document-store';
import type { Stage } from '@rapport/domain';
import {
  FACTS_VERSION,
  customerFacts,
  customerTimeline,
  customerViews,
  offerContacts,
  playbookActions,
  playbookEnrollments,
  type ActionDocument,
  type EnrollmentDocument,
  type EnrollmentStatus,
  type ActionStatus,
  type CustomerFacts,
  type CustomerFactsDocument,
  type CustomerView,
  type CustomerViewDocument,
  type OfferContactDocument,
  type TimelineEntry,
} from '@rapport/projections';

export { InvalidCursorError, type Page } from '@rapport/document-store';

export interface CustomerListQuery {
  readonly stage?: Stage;
  /** Only these customers (e.g. an RFM segment's members). */
  readonly customerIds?: readonly string[];
  /** Case-insensitive substring of customerId, name or email. */
  readonly q?: string;
  readonly limit: number;
  /** Opaque cursor from the previous page. */
  readonly cursor?: string;
}

export interface TimelineQuery {
  readonly limit: number;
  readonly cursor?: string;
}

export interface ActionListQuery {
  readonly status?: ActionStatus;
  readonly kind?: string;
  readonly playbookId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface EnrollmentListQuery {
  readonly playbookId: string;
  readonly status?: EnrollmentStatus;
  readonly version?: number;
  readonly limit: number;
  readonly cursor?: string;
}

export class CustomerReadModels {
  constructor(readonly store: DocumentStore) {}

  async getCustomer(customerId: string): Promise<CustomerView | undefined> {
    const document = await this.store.get(customerViews, customerId);
    return document && withoutId(document);
  }

  async getCustomers(customerIds: readonly string[]): Promise<Map<string, CustomerView>> {
    return mapValues(await this.store.getMany(customerViews, customerIds), withoutId);
  }

  /** Customers in customerId order, a keyset page at a time. */
  async listCustomers(query: CustomerListQuery): Promise<Page<CustomerView>> {
    const where: Condition<CustomerViewDocument>[] = [];
    if (query.stage !== undefined) where.push({ field: 'stage', eq: query.stage });
    if (query.customerIds !== undefined) where.push({ field: '_id', in: query.customerIds });
    const page = await this.store.find(customerViews, {
      where,
      ...(query.q !== undefined ? { text: query.q } : {}),
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { items: page.items.map(withoutId), nextCursor: page.nextCursor };
  }

  /** Entries by occurredAt, then revision. */
  async getTimeline(customerId: string, query: TimelineQuery): Promise<Page<TimelineEntry>> {
    const page = await this.store.find(customerTimeline, {
      where: [{ field: 'customerId', eq: customerId }],
      sort: ['occurredAtMs', 'eventRevision'],
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { items: page.items.map((document) => document.entry), nextCursor: page.nextCursor };
  }

  /** The action queue in the order actions fell due, by status, kind and playbook. */
  async listActions(query: ActionListQuery): Promise<Page<ActionDocument>> {
    const where: Condition<ActionDocument>[] = [];
    if (query.status !== undefined) where.push({ field: 'status', eq: query.status });
    if (query.kind !== undefined) where.push({ field: 'kind', eq: query.kind });
    if (query.playbookId !== undefined) where.push({ field: 'playbookId', eq: query.playbookId });
    return this.store.find(playbookActions, { where, sort: ['requestedAt'], limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
  }

  /** A playbook's enrollments in the order they started, optionally of one status or version. */
  async listEnrollments(query: EnrollmentListQuery): Promise<Page<EnrollmentDocument>> {
    const where: Condition<EnrollmentDocument>[] = [{ field: 'playbookId', eq: query.playbookId }];
    if (query.status !== undefined) where.push({ field: 'status', eq: query.status });
    if (query.version !== undefined) where.push({ field: 'version', eq: query.version });
    return this.store.find(playbookEnrollments, { where, sort: ['enrolledAt'], limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
  }

  async getFacts(customerIds: readonly string[]): Promise<Map<string, CustomerFacts>> {
    return mapValues(await this.store.getMany(customerFacts, customerIds), withoutId);
  }

  /** Every customer's analytics facts, in customerId order, without holding them all in memory at once. */
  async *scanFacts(): AsyncIterable<CustomerFacts> {
    for await (const document of this.store.scan<CustomerFactsDocument>(customerFacts)) yield withoutId(document);
  }

  /** Every customer's purchases, in customerId order: the facts documents cut to what the models read. */
  async *scanPurchases(): AsyncIterable<Pick<CustomerFacts, 'customerId' | 'purchases'>> {
    for await (const document of this.store.scanFields(customerFacts, ['customerId', 'purchases'])) {
      yield { customerId: document.customerId, purchases: document.purchases ?? [] };
    }
  }

  /** Every contact that cites a campaign or an offer, without holding them all in memory at once. */
  async *scanOfferContacts(): AsyncIterable<OfferContactDocument> {
    yield* this.store.scan<OfferContactDocument>(offerContacts);
  }

  /** A version the read models move (FACTS_VERSION, PURCHASES_VERSION): what caches over them are keyed by. */
  getVersion(name: string): Promise<string> {
    return this.store.getVersion(name);
  }

  /** Resolves when the store answers a read: for readiness. */
  async ping(): Promise<void> {
    await this.store.getVersion(FACTS_VERSION);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function withoutId<D extends { readonly _id: string }>(document: D): Omit<D, '_id'> {
  const { _id: _ignored, ...rest } = document;
  return rest;
}

function mapValues<K, V, W>(map: ReadonlyMap<K, V>, f: (value: V) => W): Map<K, W> {
  return new Map([...map].map(([key, value]) => [key, f(value)]));
}

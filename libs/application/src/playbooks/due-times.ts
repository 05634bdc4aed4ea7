// The runner's due times in memory, beside the `playbook_due` documents it
// writes. The scheduler asks every 250 ms which steps have fallen due; asked
// of the store, that is a sorted, paged query, and FerretDB 1.24 pushes down
// neither the sort nor the limit nor a range (measured: 0.6–0.9 s per query
// at 10,000 documents on its PostgreSQL backend). Loaded from the store at
// start and kept by the same guarded writes the store receives, this answers
// from memory; the store stays what it was, the durable index a restarted
// runner loads (and one the log can rebuild).
import type { Write } from '@rapport/document-store';
import type { DueDocument } from './playbook-runner';

export class DueTimes {
  private readonly byId = new Map<string, DueDocument>();
  private readonly byCustomer = new Map<string, Set<string>>();

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Forgets everything (a store that was wiped, a new load). */
  clear(): void {
    this.byId.clear();
    this.byCustomer.clear();
  }

  /** A document as the store holds it (a load). */
  add(document: DueDocument): void {
    this.byId.set(document._id, document);
    let ids = this.byCustomer.get(document.customerId);
    if (!ids) this.byCustomer.set(document.customerId, (ids = new Set()));
    ids.add(document._id);
  }

  /** A committed write of the due-time collection, guarded by revision as the store guards it (higher stored revision wins). */
  apply(write: Write): void {
    if (write.type === 'put') {
      const document = write.document as DueDocument;
      const stored = this.byId.get(document._id);
      if (stored && stored.revision > document.revision) return;
      this.add(document);
    } else if (write.type === 'delete') {
      const stored = this.byId.get(write.id);
      if (!stored || stored.revision > write.revision) return;
      this.byId.delete(write.id);
      const ids = this.byCustomer.get(stored.customerId);
      ids?.delete(write.id);
      if (ids?.size === 0) this.byCustomer.delete(stored.customerId);
    }
  }

  /** The playbook's steps due by `now` (ISO 8601, as dueAt is written), earliest first. */
  dueBy(playbookId: string, now: string): DueDocument[] {
    const due: DueDocument[] = [];
    for (const document of this.byId.values()) if (document.playbookId === playbookId && document.dueAt <= now) due.push(document);
    return due.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a._id < b._id ? -1 : 1));
  }

  /** The customer's due times, earliest first. */
  ofCustomer(customerId: string): DueDocument[] {
    const ids = this.byCustomer.get(customerId);
    if (!ids) return [];
    return [...ids].map((id) => this.byId.get(id)!).sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  }
}

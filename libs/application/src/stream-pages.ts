// Long streams are read and folded a page at a time, with a turn of the event
// loop between pages: one customer with 20,000 events must not hold up every
// other request (health checks included) while it is replayed.
import type { EventStore, RecordedEvent } from '@rapport/event-store';

/** Events read per page when a stream is replayed. */
export const REPLAY_PAGE_SIZE = 1_000;

/**
 * Hands the stream's events from `fromRevision` on to `visit`, a page at a time,
 * until the stream ends or `visit` returns `false`.
 */
export async function forEachStreamPage(
  store: EventStore,
  customerId: string,
  fromRevision: number,
  visit: (page: readonly RecordedEvent[]) => boolean | void | Promise<boolean | void>,
  pageSize = REPLAY_PAGE_SIZE,
): Promise<void> {
  for (let from = fromRevision; ; ) {
    const page = await store.readStream(customerId, { fromRevision: from, maxCount: pageSize });
    if (page.length === 0 || (await visit(page)) === false || page.length < pageSize) return;
    from = page[page.length - 1]!.revision + 1;
    await nextTurn();
  }
}

/** Lets timers and I/O run before the next page (a resolved promise would not). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

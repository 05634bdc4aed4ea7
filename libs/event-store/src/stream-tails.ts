// readStreams for an adapter that reads one stream at a time: the same checks,
// the same limit and the same answer whatever the log.
import { assertCustomerId, nonNegativeInteger, positiveInteger } from './argument-checks';
import type { RecordedEvent, StreamTail } from './event-store.port';

/**
 * Each stream's tail read with what is left of `maxEvents` (plus one, to tell a stream that ends
 * right at the limit from one cut there), `inFlight` streams at a time, taken in order while they
 * fit: a long stream is never read whole, and none is returned cut.
 */
export async function readStreamsWithin<T extends string>(
  requests: readonly StreamTail[],
  maxEvents: number,
  read: (tail: StreamTail, maxCount: number) => Promise<RecordedEvent<T>[]>,
  inFlight = 1,
): Promise<Map<string, RecordedEvent<T>[]>> {
  let budget = positiveInteger(maxEvents, 'maxEvents');
  const tails = new Map<string, RecordedEvent<T>[]>();
  const unique = uniqueTails(requests);
  for (let start = 0; start < unique.length; start += inFlight) {
    const chunk = unique.slice(start, start + inFlight);
    const chunkRead = await Promise.all(chunk.map((tail) => read(tail, budget + 1)));
    for (const [i, events] of chunkRead.entries()) {
      if (events.length > budget) return tails;
      budget -= events.length;
      tails.set(chunk[i]!.customerId, events);
    }
  }
  return tails;
}

/** The requests, checked, one per stream in the order first asked for (a stream asked for twice is read from the lower revision). */
function uniqueTails(requests: readonly StreamTail[]): StreamTail[] {
  const byStream = new Map<string, StreamTail>();
  for (const request of requests) {
    assertCustomerId(request.customerId);
    const fromRevision = nonNegativeInteger(request.fromRevision, 'fromRevision');
    const known = byStream.get(request.customerId);
    if (known === undefined || fromRevision < known.fromRevision) byStream.set(request.customerId, { customerId: request.customerId, fromRevision });
  }
  return [...byStream.values()];
}

// HTTP load with autocannon: a fixed list of distinct requests (every event
// needs its own eventId) sent over `connections` keep-alive connections.
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly path: string;
  readonly body: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  /** Latency percentiles of the requests, ms. */
  readonly p50: number;
  readonly p99: number;
}

/**
 * Sends every request once (POST, JSON) and fails on any error or non-2xx
 * answer: a figure is only reported for load the server fully accepted.
 * `next` is called once per request, so bodies may be built lazily.
 */
export async function drive(url: string, connections: number, count: number, next: () => LoadRequest): Promise<LoadResult> {
  // Timed here, from the first request sent to the last response received: autocannon's own
  // start/finish only advance on its one-second ticker, which rounds short runs to whole seconds.
  let first: number | undefined;
  let last = 0;
  const result = await autocannon({
    url,
    connections,
    amount: count,
    timeout: 120,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          first ??= performance.now();
          const { path, body } = next();
          return { ...request, method: 'POST', path, body };
        },
        onResponse: () => {
          last = performance.now();
        },
      },
    ],
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) throw new Error(`load against ${url} had ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  const seconds = (last - (first ?? last)) / 1000;
  return { requests: result.requests.total, seconds, p50: result.latency.p50, p99: result.latency.p99 };
}

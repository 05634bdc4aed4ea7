// HTTP load with autocannon: a fixed list of distinct requests (every event
// needs its own eventId, every read its own customer) sent over `connections`
// keep-alive connections.
import autocannon from 'autocannon';

/** A POST of a JSON body (the default), or a GET. */
export type LoadRequest = { readonly method?: 'POST'; readonly path: string; readonly body: string } | { readonly method: 'GET'; readonly path: string };

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  /** Latency percentiles of the requests, ms. */
  readonly p50: number;
  readonly p99: number;
}

/**
 * Sends every request once and fails on any error or non-2xx answer: a
 * figure is only reported for load the server fully accepted. `next` is
 * called once per request, so bodies may be built lazily.
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
    requests: [
      {
        setupRequest: (request) => {
          first ??= performance.now();
          const load = next();
          if (load.method === 'GET') return { ...request, method: 'GET', path: load.path };
          return { ...request, method: 'POST', path: load.path, body: load.body, headers: { ...request.headers, 'content-type': 'application/json' } };
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

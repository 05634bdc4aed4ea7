// What every role does when a service it depends on (MongoDB, Kafka) does not
// answer: give up within seconds, say which one, and let the caller retry —
// never hang a request for the driver's 30-second default.

/** Client timeouts for every MongoDB connection: selection and connect fail fast, a frozen server is given up on. */
export const MONGO_CLIENT_TIMEOUTS = {
  serverSelectionTimeoutMS: 2_000,
  connectTimeoutMS: 2_000,
  // No reply on a connection for this long: the server hangs (a frozen process, a deadlock), not a slow query.
  socketTimeoutMS: 5_000,
} as const;

/** How long a caller should wait before trying again, in the Retry-After of a 503. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export type Dependency = 'MongoDB' | 'Kafka';

// The drivers' error classes, by name, so that recognising them loads no driver. The whole
// class lineage counts: the driver subclasses these (PoolClearedOnNetworkError is a
// MongoNetworkError) under names of their own.
// Also what the driver throws when a server stops mid-conversation: its connection
// queue timing out, an operation timing out, or half a reply from a dying process.
const MONGO_UNREACHABLE =
  /^Mongo(ServerSelection|Network|NetworkTimeout|TopologyClosed|PoolCleared|PoolClosed|NotConnected|ServerClosed|WaitQueueTimeout|OperationTimeout|UnexpectedServerResponse)Error$/;
const KAFKA_UNREACHABLE = /^KafkaJS(Connection|NumberOfRetriesExceeded|BrokerNotFound|RequestTimeout)Error$/;

/** The dependency an error (or the error that caused it) says did not answer, or undefined for any other error. */
export function unreachableDependency(error: unknown): Dependency | undefined {
  if (error instanceof DependencyUnavailableError) return error.dependency;
  for (let depth = 0, current: unknown = error; depth < 3 && typeof current === 'object' && current !== null; depth++) {
    const names = lineage(current);
    if (names.some((name) => MONGO_UNREACHABLE.test(name))) return 'MongoDB';
    if (names.some((name) => KAFKA_UNREACHABLE.test(name))) return 'Kafka';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The error's name and the names of every class it descends from. */
function lineage(error: object): string[] {
  const names: string[] = [];
  const own = (error as { name?: unknown }).name;
  if (typeof own === 'string') names.push(own);
  for (let proto = Object.getPrototypeOf(error) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

// What a socket says when the far end went away. The MongoDB driver (6.x) lets some of these
// through unwrapped: a write to a socket the server has just closed rejects with Node's own EPIPE.
const SOCKET_FAILURES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN']);

/** The error, or, when it is a bare socket failure, that `dependency` did not answer (the socket error as its cause). */
export function asUnreachable(dependency: Dependency, error: unknown): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !SOCKET_FAILURES.has(code) || unreachableDependency(error) !== undefined) return error;
  return new DependencyUnavailableError(dependency, `${dependency} did not answer: ${(error as Error).message}`, { cause: error });
}

/**
 * The adapter with each method's bare socket failures said as `dependency` unavailable, so that a
 * caller answers 503 and Retry-After rather than 500. Methods run on the adapter itself.
 */
export function reportingUnreachable<T extends object>(dependency: Dependency, adapter: T): T {
  return new Proxy(adapter, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      // The class itself is not a method: `adapter.constructor.name` still names the adapter.
      if (typeof value !== 'function' || property === 'constructor') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw asUnreachable(dependency, error);
        }
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(asUnreachable(dependency, error))) : result;
      };
    },
  });
}

export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
}

/** The work's result, or a TimeLimitError once `ms` have passed (the work itself is not cancelled). */
export async function withTimeLimit<T>(ms: number, work: () => Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

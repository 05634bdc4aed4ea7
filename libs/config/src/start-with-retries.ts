// A role starts the way it runs: when a dependency is not there yet, it waits
// and tries again instead of exiting, so the order in which an operator (or a
// supervisor) brings things up does not matter.
import { unreachableDependency } from './dependency';
import type { StructuredLogger } from './logger';
import { sleep } from './sleep';

export interface StartRetryOptions {
  readonly signal: AbortSignal;
  readonly logger: Pick<StructuredLogger, 'warn'>;
  /** What is starting, for the log line. */
  readonly what: string;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Errors that no retry can fix (a wrong setting): thrown at once. */
  readonly isFatal?: (error: unknown) => boolean;
}

/** The started thing, or undefined when the signal stopped the attempts first. */
export async function startWithRetries<T>(start: () => Promise<T>, options: StartRetryOptions): Promise<T | undefined> {
  const first = options.firstDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; !options.signal.aborted; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (options.isFatal?.(error)) throw error;
      if (options.signal.aborted) break;
      const retryInMs = Math.min(max, first * 2 ** (attempt - 1));
      const dependency = unreachableDependency(error);
      options.logger.warn(`${options.what} cannot start${dependency ? `: ${dependency} does not answer` : ''}; trying again in ${Math.round(retryInMs / 1000)} s`, {
        attempt,
        retryInMs,
        error: error instanceof Error ? error.message : String(error),
      });
      await sleep(retryInMs, options.signal);
    }
  }
  return undefined;
}

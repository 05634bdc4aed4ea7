// `rapport verify [customerId]`: checks the hash chain (SPEC section 7) of one
// customer's stream or of every stream in the log, from the log itself.
import type { Command } from 'commander';
import { isCustomerId, streamName } from '@rapport/domain';
import { verifyChain, type ChainFailureReason, type EventStore } from '@rapport/event-store';
import type { CliContext, GlobalOptions } from './cli-context';
import { UserError } from './cli-errors';
import { plural } from './plural';
import { silentProgress, type Progress } from './progress.reporter';

export interface VerifyOptions {
  readonly eventStore: EventStore;
  /** One customer's stream; every stream when absent. */
  readonly customerId?: string;
  readonly progress?: Progress;
  /** Events per readAll page while listing the streams. Default 5,000. */
  readonly pageSize?: number;
  /** Aborting stops between streams; the summary says `interrupted`. */
  readonly signal?: AbortSignal;
}

export interface StreamFailure {
  readonly stream: string;
  readonly customerId: string;
  readonly firstBadRevision: number;
  readonly reason: ChainFailureReason;
  /** Events verified good before the first bad one. */
  readonly verifiedBefore: number;
  readonly expectedHash?: string;
  readonly actualHash?: string;
}

export interface VerifySummary {
  readonly command: 'verify';
  /** Every stream checked is intact. */
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly streams: number;
  readonly events: number;
  readonly failed: number;
  readonly failures: readonly StreamFailure[];
  readonly durationMs: number;
}

export async function verifyStreams(options: VerifyOptions): Promise<VerifySummary> {
  const progress = options.progress ?? silentProgress;
  const started = performance.now();
  let customerIds: readonly string[];
  if (options.customerId !== undefined) {
    if (!isCustomerId(options.customerId)) {
      throw new UserError(`invalid customerId ${JSON.stringify(options.customerId)}: 1–64 characters of A-Z a-z 0-9 _ . : -`);
    }
    customerIds = [options.customerId];
  } else {
    customerIds = await listCustomerIds(options.eventStore, options.pageSize ?? 5_000, progress, options.signal);
  }

  const failures: StreamFailure[] = [];
  let streams = 0;
  let events = 0;
  let interrupted = false;
  progress.start('verify streams', customerIds.length, 'streams');
  try {
    for (const customerId of customerIds) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const stream = await options.eventStore.readStream(customerId);
      if (stream.length === 0 && options.customerId !== undefined) {
        throw new UserError(`no stream ${streamName(customerId)} in the log`);
      }
      const result = verifyChain(stream);
      streams++;
      events += stream.length;
      if (!result.ok) {
        failures.push({
          stream: streamName(customerId),
          customerId,
          firstBadRevision: result.firstBadRevision,
          reason: result.reason,
          verifiedBefore: result.checked,
          ...(result.expectedHash !== undefined ? { expectedHash: result.expectedHash } : {}),
          ...(result.actualHash !== undefined ? { actualHash: result.actualHash } : {}),
        });
      }
      progress.update(streams);
      if (streams % 100 === 0) await new Promise((resolve) => setImmediate(resolve)); // let Ctrl-C through
    }
  } finally {
    progress.stop();
  }
  return {
    command: 'verify',
    ok: failures.length === 0 && !interrupted,
    interrupted,
    streams,
    events,
    failed: failures.length,
    failures,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Every customer with an event in the log, in order of first appearance, by paging through readAll. */
export async function listCustomerIds(
  eventStore: EventStore,
  pageSize: number,
  progress: Progress = silentProgress,
  signal?: AbortSignal,
): Promise<string[]> {
  const seen = new Set<string>();
  const head = await eventStore.headPosition();
  progress.start('list streams', Math.max(head, 0), 'positions');
  try {
    let after: number | undefined;
    for (;;) {
      if (signal?.aborted) break;
      const page = await eventStore.readAll({ ...(after !== undefined ? { after } : {}), maxCount: pageSize });
      if (page.length === 0) break;
      for (const event of page) seen.add(event.customerId);
      const last = page[page.length - 1]!.position;
      if (after !== undefined && last <= after) throw new Error(`the log did not advance past position ${after} while listing streams`);
      after = last;
      progress.update(after);
    }
  } finally {
    progress.stop();
  }
  return [...seen];
}

export function formatVerifySummary(summary: VerifySummary): { details: string[]; lines: string[] } {
  const lines = summary.failures.map((f) => {
    const hashes = f.expectedHash && f.actualHash ? ` (stored hash ${f.actualHash.slice(0, 12)}…, recomputed ${f.expectedHash.slice(0, 12)}…)` : '';
    return `FAILED ${f.stream} at revision ${f.firstBadRevision}: ${f.reason}${hashes}`;
  });
  const verdict = summary.failed === 0 ? 'all OK' : `${summary.failed} FAILED`;
  lines.push(`verified ${plural(summary.streams, 'stream')}, ${plural(summary.events, 'event')}: ${verdict}${summary.interrupted ? ' (interrupted)' : ''}`);
  return { details: [], lines };
}

export function registerVerify(program: Command, context: CliContext): void {
  program
    .command('verify')
    .description('check the audit hash chain of one customer\'s stream, or of every stream; names the first bad revision')
    .argument('[customerId]', 'verify only customer-<customerId>')
    .action(async (customerId: string | undefined, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // The bare log: the chain covers personal fields as sealed.
      const summary = await context.withStores(globals, 'existing', ({ log }) =>
        verifyStreams({
          eventStore: log,
          progress: context.progress(globals),
          ...(customerId !== undefined ? { customerId } : {}),
          ...(context.io.interruptSignal ? { signal: context.io.interruptSignal() } : {}),
        }),
      );
      context.finish(globals, summary, formatVerifySummary(summary));
    });
}

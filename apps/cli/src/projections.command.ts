// `rapport projections rebuild` and `rapport projections catch-up`: the read
// models from the log, through the same projection handler the API runs. With
// RAPPORT_MODE=distributed they work on MongoDB (./distributed-projections.ts).
import type { Command } from 'commander';
import { CustomerReadModels, LogSubscription, ProjectionHandler, READ_MODELS_CHECKPOINT, type BatchResult } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import type { EventStore } from '@rapport/event-store';
import type { CliContext, GlobalOptions } from './cli-context';
import { distributedProjections } from './distributed-projections';
import { plural } from './plural';
import { silentProgress, type Progress } from './progress.reporter';

export interface ProjectionOptions {
  readonly eventStore: EventStore;
  /** Where the read models are kept. */
  readonly documentStore: DocumentStore;
  readonly progress?: Progress;
  /** Events per read-and-commit batch. Default 1,000. */
  readonly batchSize?: number;
}

export interface ProjectionSummary {
  readonly command: 'projections rebuild' | 'projections catch-up';
  readonly ok: boolean;
  /** Events read from the log. */
  readonly events: number;
  /** Events that changed a read model (the rest were already reflected). */
  readonly applied: number;
  /** Log position the read models now reflect (-1: empty log). */
  readonly position: number;
  /** Customer documents in the read store afterwards. */
  readonly customers: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
}

/** Drops every read model and checkpoint, then replays the whole log. */
export function rebuildProjections(options: ProjectionOptions): Promise<ProjectionSummary> {
  return runProjections('projections rebuild', options, (subscription, onProgress) => subscription.rebuild(onProgress));
}

/** Applies what the log holds beyond the stored checkpoint. */
export function catchUpProjections(options: ProjectionOptions): Promise<ProjectionSummary> {
  return runProjections('projections catch-up', options, (subscription, onProgress) => subscription.catchUp(onProgress));
}

/**
 * Applies the whole log without dropping anything: what the read models already
 * reflect is skipped by the revision guards. For read models whose checkpoint is
 * not a log position (distributed mode).
 */
export function replayProjections(options: ProjectionOptions): Promise<ProjectionSummary> {
  return runProjections('projections catch-up', options, (subscription, onProgress) => subscription.catchUp(onProgress, -1), -1);
}

async function runProjections(
  command: ProjectionSummary['command'],
  options: ProjectionOptions,
  run: (subscription: LogSubscription, onProgress: (batch: BatchResult) => void) => Promise<number>,
  startAt?: number,
): Promise<ProjectionSummary> {
  const progress = options.progress ?? silentProgress;
  const { eventStore, documentStore } = options;
  const subscription = new LogSubscription(eventStore, new ProjectionHandler(documentStore), documentStore, { batchSize: options.batchSize ?? 1_000 });
  const head = await eventStore.headPosition();
  const from = startAt ?? (command === 'projections rebuild' ? -1 : await documentStore.getCheckpoint(READ_MODELS_CHECKPOINT));
  let events = 0;
  let applied = 0;
  const started = performance.now();
  // Positions are the log's own numbering; the bar shows how far through the log the runner is.
  progress.start(command, Math.max(head - Math.max(from, 0), 0), 'positions');
  let position: number;
  try {
    position = await run(subscription, (batch) => {
      events += batch.events;
      applied += batch.applied;
      progress.update(Math.max(batch.position - Math.max(from, 0), 0));
    });
  } finally {
    progress.stop();
  }
  const durationMs = performance.now() - started;
  return {
    command,
    ok: true,
    events,
    applied,
    position,
    customers: await countCustomers(new CustomerReadModels(documentStore)),
    durationMs: Math.round(durationMs),
    eventsPerSecond: durationMs > 0 ? Math.round((events * 1000) / durationMs) : 0,
  };
}

/** Pages through the customer documents (the port has no count). */
export async function countCustomers(readModels: CustomerReadModels): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await readModels.listCustomers({ limit: 1_000, ...(cursor !== undefined ? { cursor } : {}) });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

export function formatProjectionSummary(summary: ProjectionSummary): { details: string[]; lines: string[] } {
  const verb = summary.command === 'projections rebuild' ? 'rebuilt read models from' : 'caught up read models with';
  return {
    details: [],
    lines: [
      `${verb} ${plural(summary.events, 'event')} (${summary.applied} applied, ${plural(summary.customers, 'customer')}, position ${summary.position})` +
        ` in ${(summary.durationMs / 1000).toFixed(2)} s: ${summary.eventsPerSecond} events/s`,
    ],
  };
}

export function registerProjections(program: Command, context: CliContext): void {
  const projections = program
    .command('projections')
    .alias('project')
    .description('maintain the read models (customer documents, timelines) from the event log');

  const action = (run: (options: ProjectionOptions) => Promise<ProjectionSummary>, kind: 'rebuild' | 'catch-up') => async (_options: unknown, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const config = context.config(globals);
    if (config.mode === 'distributed') {
      const summary = await distributedProjections(kind, config, context.io.env, context.progress(globals));
      context.finish(globals, summary, formatProjectionSummary(summary));
      return;
    }
    const summary = await context.withStores(globals, 'existing', ({ eventStore, documentStore }) =>
      run({ eventStore, documentStore, progress: context.progress(globals) }),
    );
    context.finish(globals, summary, formatProjectionSummary(summary));
  };

  projections
    .command('rebuild')
    .description(
      'drop every read model and checkpoint and replay the whole log (embedded: stop the server on this data directory first; ' +
        'distributed: stop the projectors first, their group then resumes where the rebuild ended)',
    )
    .action(action(rebuildProjections, 'rebuild'));
  projections
    .command('catch-up')
    .description("apply the events recorded since the read models' checkpoint (distributed: replays the whole log, skipping what is reflected)")
    .action(action(catchUpProjections, 'catch-up'));
}

// `rapport analytics <view>`: the analytics of SPEC section 6 on the embedded
// read models, as tables an analyst can read; with --json, the raw result (the
// same bodies as GET /v1/analytics/..., plus fit times). Imports only append to
// the log, so the read models are first caught up with it, through the same
// projection handler the server runs.
import type { Command } from 'commander';
import { GRANULARITIES, grouped, MAX_REVENUE_PERIODS } from '@rapport/analytics';
import { AnalyticsService, ModelNotFittedError, READ_MODELS_CHECKPOINT } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import type { EventStore } from '@rapport/event-store';
import { reportOk, runAnalyticsView, type AnalyticsReport } from './analytics-report.assembler';
import { formatAnalyticsReport } from './analytics-report.formatter';
import {
  DEFAULT_HORIZON_WEEKS,
  DEFAULT_LIMIT,
  MAX_HORIZON_WEEKS,
  MAX_LIMIT,
  parseAnalyticsOptions,
  type AnalyticsView,
  type RawAnalyticsOptions,
} from './analytics.options';
import type { CliContext, GlobalOptions } from './cli-context';
import { EXIT_FAILED } from './cli-errors';
import { catchUpProjections, type ProjectionSummary } from './projections.command';
import type { Progress } from './progress.reporter';
import { countOf, formatDuration } from './text-table';

export interface ReadModelsState {
  /** Log position the read models reflect after the command's catch-up. */
  readonly position: number;
  /** The catch-up it took; undefined when the read models were already at the log's head. */
  readonly caughtUp?: ProjectionSummary & { readonly from: number; readonly head: number };
}

/** Brings the read models up to the log's head when they are behind it (after an import, say). */
export async function ensureReadModels(eventStore: EventStore, documentStore: DocumentStore, progress?: Progress): Promise<ReadModelsState> {
  const head = await eventStore.headPosition();
  const from = await documentStore.getCheckpoint(READ_MODELS_CHECKPOINT);
  if (from >= head) return { position: from };
  const summary = await catchUpProjections({ eventStore, documentStore, ...(progress ? { progress } : {}) });
  return { position: summary.position, caughtUp: { ...summary, from, head } };
}

interface ViewSpec {
  readonly view: AnalyticsView;
  readonly description: string;
  readonly currency: boolean;
  readonly ranking: boolean;
  readonly interval: boolean;
}

const VIEWS: readonly ViewSpec[] = [
  { view: 'rfm', description: 'customers per RFM segment (every segment of the SPEC grid)', currency: true, ranking: false, interval: false },
  {
    view: 'models',
    description: 'the BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma fits: parameters, log-likelihood, customers, convergence, fit time; --validate: holdout validation',
    currency: true,
    ranking: false,
    interval: false,
  },
  { view: 'at-risk', description: 'top customers by value at risk: past value × (1 − P(alive))', currency: true, ranking: true, interval: false },
  { view: 'value', description: 'top customers by predicted CLV over the horizon', currency: true, ranking: true, interval: false },
  { view: 'funnel', description: 'customers per loop stage and the conversions between stages', currency: false, ranking: false, interval: false },
  { view: 'revenue', description: 'revenue, orders and customers per day, ISO week or month', currency: true, ranking: false, interval: true },
];

export function registerAnalytics(program: Command, context: CliContext): void {
  const analytics = program
    .command('analytics')
    .description('analytics of the read models as tables (SPEC section 6); the read models are caught up with the log first')
    .addHelpText(
      'after',
      '\nExamples:\n  rapport analytics models --as-of 1997-09-30T23:59:59Z\n' +
        '  rapport analytics models --as-of 1997-09-30T23:59:59Z --validate --holdout-end 1998-06-30T23:59:59Z\n' +
        '  rapport analytics at-risk --limit 20 --json',
    );

  for (const spec of VIEWS) {
    const command = analytics
      .command(spec.view)
      .description(spec.description)
      .option('--as-of <instant>', 'RFC 3339: only events that occurred by then count (default now)');
    if (spec.currency) command.option('--currency <code>', 'ISO 4217 code (default RAPPORT_REPORTING_CURRENCY, else USD)');
    if (spec.ranking) {
      command
        .option('--limit <n>', `customers listed, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})`)
        .option('--horizon-weeks <n>', `prediction horizon in weeks, 1-${MAX_HORIZON_WEEKS} (default ${DEFAULT_HORIZON_WEEKS})`);
    }
    if (spec.view === 'models') {
      command
        .option('--validate', 'fit the purchase models as of --as-of (the calibration end) and compare their predictions with (--as-of, --holdout-end]')
        .option('--holdout-end <instant>', 'RFC 3339: the end of the holdout of --validate (default now)');
    }
    if (spec.interval) {
      command
        .option('--interval <interval>', `${GRANULARITIES.join(', ')} (default month)`)
        .option('--from <instant>', 'RFC 3339: only purchases at or after it count (default the first purchase)')
        .option('--to <instant>', `RFC 3339: only purchases at or before it and --as-of count; at most ${grouped(MAX_REVENUE_PERIODS)} periods`);
    }
    command.action(async (raw: RawAnalyticsOptions, self: Command) => {
      const globals = self.optsWithGlobals<GlobalOptions>();
      const options = parseAnalyticsOptions(raw);
      await context.withStores(globals, 'existing', async ({ config, eventStore, documentStore, readModels }) => {
        const state = await ensureReadModels(eventStore, documentStore, context.progress(globals));
        if (state.caughtUp) {
          const c = state.caughtUp;
          context.io.stderr.write(
            `read models were behind the log (position ${c.from} of ${c.head}): caught up ${countOf(c.events, 'event')} in ${formatDuration(c.durationMs)} first\n`,
          );
        }
        const service = new AnalyticsService(readModels);
        let report: AnalyticsReport;
        try {
          report = await runAnalyticsView(service, spec.view, { ...options, currency: options.currency ?? config.reportingCurrency });
        } catch (error) {
          if (!(error instanceof ModelNotFittedError)) throw error;
          // The analysis has no answer on these data: say why, no made-up numbers.
          context.io.stderr.write(`rapport: ${error.message}\n`);
          context.exitCode = EXIT_FAILED;
          return;
        }
        if (globals.json) context.io.stdout.write(`${JSON.stringify(report)}\n`);
        else context.io.stdout.write(`${formatAnalyticsReport(report).join('\n')}\n`);
        if (!reportOk(report)) context.exitCode = EXIT_FAILED;
      });
    });
  }
}

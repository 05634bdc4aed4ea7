// `npm run bench [-- --quick] [--only ingestion,relay] [--runs 5] [--profile]`:
// Rapport's throughput and latency next to raw baselines (docs/benchmarks.md).
import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Bench } from './bench.types';
import { runBenches } from './bench.runner';
import { ingestionBench } from './ingestion.bench';
import { spreadIngestionBench } from './spread-ingestion.bench';
import { longStreamBench } from './long-stream.bench';
import { singleAppendBench } from './single-append.bench';
import { rebuildBench } from './rebuild.bench';
import { relayBench } from './relay.bench';
import { projectorBench } from './projector.bench';
import { freshnessBench } from './freshness.bench';
import { distributedReadBench } from './distributed-read.bench';
import { analyticsBench } from './analytics.bench';
import { paretoNbdBench } from './pareto-nbd.bench';
import { memoryBench } from './memory.bench';
import { playbookSignalsBench } from './playbook-signals.bench';
import { playbookTimersBench, playbookTimersDistributedBench } from './playbook-timers.bench';
import { workspaceBench } from './workspace.bench';

const BENCHES: readonly Bench[] = [ingestionBench, spreadIngestionBench, longStreamBench, singleAppendBench, rebuildBench, relayBench, projectorBench, freshnessBench, distributedReadBench, analyticsBench, paretoNbdBench, memoryBench, playbookTimersBench, playbookTimersDistributedBench, playbookSignalsBench, workspaceBench];

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function ids(value: string): string[] {
  const known = new Set(BENCHES.map((b) => b.id));
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown figure(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  return list;
}

const program = new Command('bench')
  .description("Rapport's throughput and latency next to raw baselines measured in the same run")
  .option('--quick', 'every figure at a small size, in under three minutes (CI: it must run, not pass thresholds)', false)
  .option('--runs <n>', 'measured runs per figure after the warm-up (default 3, quick 2)', positive)
  .option('--only <ids>', `comma-separated figures: ${BENCHES.map((b) => b.id).join(', ')}`, ids)
  .option('--profile', 'servers under test write V8 CPU profiles to bench/profiles', false)
  .addOption(new Option('--docs', 'write docs/benchmarks.md (default on full runs)'))
  .addOption(new Option('--no-docs', 'leave docs/benchmarks.md alone'))
  .option('--json <file>', 'where to write the results', 'bench/results.json')
  .action(async (options: { quick: boolean; runs?: number; only?: string[]; profile: boolean; docs?: boolean; json: string }) => {
    const report = await runBenches(BENCHES, {
      quick: options.quick,
      runs: options.runs ?? (options.quick ? 2 : 3),
      ...(options.only ? { only: options.only } : {}),
      profile: options.profile,
      docs: options.docs ?? !options.quick,
      json: options.json,
    });
    // Thresholds are reported, not enforced; a figure that could not be measured fails the run.
    process.exitCode = report.failures.length > 0 ? 1 : 0;
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

// Runs the chosen benchmarks one after another (never in parallel: they would
// measure each other), collects their figures and writes the report.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { describeMachine, printTable, writeJson, writeMarkdown, type BenchReport } from './report';
import { ROOT } from './server-process';

export interface RunOptions {
  readonly quick: boolean;
  readonly runs: number;
  readonly only?: readonly string[];
  readonly profile: boolean;
  /** Write docs/benchmarks.md (default: full runs only, so a quick run never replaces published figures). */
  readonly docs: boolean;
  readonly json: string;
}

const DOC_TEMPLATE = `# Benchmarks

\`npm run bench\` measures Rapport against raw baselines run in the same
process on the same machine; \`npm run bench -- --quick\` runs every figure at a
small size (CI). The table below is written by the tool.
`;

export async function runBenches(benches: readonly Bench[], options: RunOptions): Promise<BenchReport> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
  const profileDir = options.profile ? path.join(ROOT, 'bench', 'profiles') : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const context: BenchContext = {
    quick: options.quick,
    runs: options.runs,
    tmp,
    ...(profileDir ? { profileDir } : {}),
    brokers: (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    mongoBase: (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, ''),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };
  const started = Date.now();
  const figures: FigureResult[] = [];
  const failures: { id: string; error: string }[] = [];
  const chosen = options.only ? benches.filter((b) => options.only!.includes(b.id)) : benches;
  try {
    for (const bench of chosen) {
      const t0 = Date.now();
      context.log(`${bench.title}…`);
      try {
        figures.push(...(await bench.run(context)));
        context.log(`${bench.title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        // One failed figure is reported as failed; the others still run.
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ id: bench.id, error: message });
        context.log(`${bench.title} FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    quick: options.quick,
    runs: options.runs,
    seconds: (Date.now() - started) / 1000,
    machine: describeMachine(),
    figures,
    failures,
  };
  process.stdout.write(`${printTable(report)}\n`);
  writeJson(path.resolve(ROOT, options.json), report);
  if (options.docs) writeMarkdown(path.join(ROOT, 'docs', 'benchmarks.md'), report, DOC_TEMPLATE);
  return report;
}

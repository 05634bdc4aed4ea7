// The results as a console table, as JSON, and as the generated part of
// docs/benchmarks.md (between markers, so the hand-written analysis stays).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Table from 'cli-table3';
import type { FigureResult, Measured } from './bench.types';
import type { Summary } from './stats';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly node: string;
  readonly platform: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly quick: boolean;
  readonly runs: number;
  readonly seconds: number;
  readonly machine: Machine;
  readonly figures: readonly FigureResult[];
  /** Benchmarks that could not run, and why. */
  readonly failures: readonly { readonly id: string; readonly error: string }[];
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function number(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toPrecision(3);
}

function spread(summary: Summary): string {
  return summary.runs.length > 1 ? ` ±${Math.round(summary.spread * 100)}%` : '';
}

function measured(m: Measured | undefined, unit: string): string {
  if (!m) return '—';
  return `${number(m.summary.median)} ${unit}${spread(m.summary)} (${m.label})`;
}

function verdict(met: boolean | null): string {
  return met === null ? '—' : met ? 'met' : 'NOT met';
}

function rows(report: BenchReport): string[][] {
  return report.figures.map((f) => [
    f.figure,
    measured(f.rapport, f.unit),
    measured(f.baseline, f.unit),
    f.ratio ? `${f.ratio.median.toFixed(2)}${spread(f.ratio)}` : '—',
    f.goal,
    verdict(f.met),
  ]);
}

const HEAD = ['figure', 'Rapport', 'raw baseline', 'ratio', 'goal', 'goal met'];

export function printTable(report: BenchReport): string {
  const table = new Table({ head: HEAD, style: { head: [], border: [] }, wordWrap: true, colWidths: [22, 44, 44, 12, 22, 9] });
  table.push(...rows(report));
  const failed = report.failures.map((f) => `FAILED ${f.id}: ${f.error}`).join('\n');
  return `${table.toString()}\n${failed}`;
}

export function writeJson(file: string, report: BenchReport): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const BEGIN = '<!-- bench:results:begin (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

function markdown(report: BenchReport): string {
  const m = report.machine;
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    BEGIN,
    '',
    `Run of ${report.startedAt}: ${report.quick ? 'quick sizes' : 'full sizes'}, median of ${report.runs} measured run(s) after a warm-up, ± half the range of the runs; ${Math.round(report.seconds)} s in all.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM, Node ${m.node}, ${m.platform}.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...rows(report).map((r) => `| ${r.map(escape).join(' | ')} |`),
    '',
    '<details><summary>Details of each figure</summary>',
    '',
    ...report.figures.map((f) => `- **${f.figure}**: ${escape(JSON.stringify(f.details))}`),
    ...report.failures.map((f) => `- **${f.id} failed**: ${escape(f.error)}`),
    '',
    '</details>',
    '',
    END,
  ];
  return lines.join('\n');
}

/** Replaces the generated section of the document (or appends it), keeping everything else. */
export function writeMarkdown(file: string, report: BenchReport, template: string): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : template;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const section = markdown(report);
  const next = start >= 0 && end > start ? current.slice(0, start) + section + current.slice(end + END.length) : `${current.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}

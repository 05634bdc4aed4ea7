// What every benchmark receives and returns.
import type { Summary } from './stats';

export interface BenchContext {
  /** Small sizes and fewer runs: every figure in under three minutes (CI). */
  readonly quick: boolean;
  /** Measured runs per figure (after a warm-up); the median is reported. */
  readonly runs: number;
  /** Scratch directory of this bench run, removed at the end. */
  readonly tmp: string;
  /** When set, servers under test write V8 CPU profiles here. */
  readonly profileDir?: string;
  readonly brokers: readonly string[];
  /** MongoDB URL without a database name. */
  readonly mongoBase: string;
  log(message: string): void;
}

export interface Measured {
  readonly label: string;
  readonly summary: Summary;
}

/** One row of the results table. */
export interface FigureResult {
  readonly id: string;
  readonly figure: string;
  readonly unit: string;
  readonly rapport: Measured;
  readonly baseline?: Measured;
  /** Rapport ÷ baseline per paired run. */
  readonly ratio?: Summary;
  readonly goal: string;
  /** Whether the median meets the goal; null when there is no goal to meet. */
  readonly met: boolean | null;
  /** Sizes, percentiles and other details for results.json and the notes. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface Bench {
  readonly id: string;
  readonly title: string;
  readonly needsInfra: boolean;
  run(context: BenchContext): Promise<FigureResult[]>;
}

export const events = (n: number): string => n.toLocaleString('en-US');

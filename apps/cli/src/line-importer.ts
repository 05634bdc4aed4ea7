// The shared core of the import commands: map each line to an event, group the
// events per customer (keeping file order within a customer), record them in
// chunks through CustomerCommands (the same decider as the HTTP API), and count
// what happened to every line.
import { CustomerCommands, type Clock, type EventInput, type IdGenerator, type RecordOutcome } from '@rapport/application';
import type { FieldError } from '@rapport/contract';
import type { EventStore } from '@rapport/event-store';
import { systemClock, uuidGenerator } from '@rapport/wiring';
import type { LineSource } from './line-source';
import type { InvalidLineCode, ParsedLine } from './parsed-line';
import { plural } from './plural';
import { silentProgress, type Progress } from './progress.reporter';

export interface ImportOptions {
  readonly eventStore: EventStore;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly progress?: Progress;
  /** Aborting stops after the chunk in hand; the summary says `interrupted`. */
  readonly signal?: AbortSignal;
  /** Events of one customer per recordAll call. Default 500 (the HTTP batch limit). */
  readonly chunkSize?: number;
  /** Lines read ahead before they are grouped per customer and recorded. Default 20,000. */
  readonly bufferSize?: number;
  /** Issues kept in the summary; the rest are only counted. Default 1,000. */
  readonly maxIssues?: number;
}

export interface ImportIssue {
  readonly line: number;
  /** invalid: the line could not be read as an event; rejected: the domain rules refused it. */
  readonly kind: 'invalid' | 'rejected';
  readonly code: InvalidLineCode | string;
  readonly message: string;
  readonly customerId?: string;
  readonly errors?: readonly FieldError[];
}

export interface ImportSummary {
  readonly command: string;
  readonly file: string;
  /** No line was invalid or rejected, and the import ran to the end. */
  readonly ok: boolean;
  readonly interrupted: boolean;
  /** Non-blank lines settled: recorded + duplicate + rejected + invalid. */
  readonly lines: number;
  readonly recorded: number;
  readonly duplicate: number;
  readonly rejected: number;
  readonly invalid: number;
  readonly blank: number;
  /** Events appended: more than `recorded` when a purchase implied a won_back. */
  readonly events: number;
  /** Distinct customers of the lines recorded, duplicate or rejected. */
  readonly customers: number;
  readonly durationMs: number;
  readonly linesPerSecond: number;
  /** By line number; at most maxIssues of them. */
  readonly issues: readonly ImportIssue[];
  readonly issuesOmitted: number;
}

interface PendingLine {
  readonly line: number;
  readonly input: EventInput;
}

export async function importLines(
  command: string,
  source: LineSource,
  map: (text: string, lineNumber: number) => ParsedLine,
  options: ImportOptions,
): Promise<ImportSummary> {
  const commands = new CustomerCommands(options.eventStore, options.clock ?? systemClock, options.ids ?? uuidGenerator);
  const progress = options.progress ?? silentProgress;
  const chunkSize = options.chunkSize ?? 500;
  const bufferSize = options.bufferSize ?? 20_000;
  const maxIssues = options.maxIssues ?? 1_000;
  const { signal } = options;
  const started = performance.now();

  const counts = { recorded: 0, duplicate: 0, rejected: 0, invalid: 0, blank: 0, events: 0 };
  const issues: ImportIssue[] = [];
  let issuesOmitted = 0;
  const customers = new Set<string>();
  const pending = new Map<string, PendingLine[]>();
  let pendingCount = 0;
  let settled = 0;
  let interrupted = false;

  const report = (issue: ImportIssue) => {
    if (issues.length < maxIssues) issues.push(issue);
    else issuesOmitted++;
  };

  const tally = (item: PendingLine, outcome: RecordOutcome) => {
    customers.add(item.input.customerId);
    switch (outcome.status) {
      case 'recorded':
        counts.recorded++;
        counts.events += outcome.events.length;
        break;
      case 'duplicate':
        counts.duplicate++;
        break;
      case 'rejected':
        counts.rejected++;
        report({ line: item.line, kind: 'rejected', code: outcome.code, message: outcome.message, customerId: item.input.customerId });
        break;
    }
  };

  const flush = async () => {
    for (const [customerId, items] of pending) {
      for (let start = 0; start < items.length; start += chunkSize) {
        if (signal?.aborted) {
          interrupted = true;
          break;
        }
        const chunk = items.slice(start, start + chunkSize);
        const outcomes = await commands.recordAll(customerId, chunk.map((item) => item.input));
        chunk.forEach((item, index) => tally(item, outcomes[index]!));
        settled += chunk.length;
        progress.update(settled);
        // The SQLite log never really waits, so give signals (Ctrl-C) and timers a turn.
        await yieldToEventLoop();
      }
      if (interrupted) break;
    }
    pending.clear();
    pendingCount = 0;
  };

  progress.start(command, source.totalLines ?? 0, 'lines');
  try {
    for await (const { lineNumber, text } of source.lines) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      const parsed = map(text, lineNumber);
      switch (parsed.kind) {
        case 'blank':
          counts.blank++;
          settled++;
          break;
        case 'invalid':
          counts.invalid++;
          settled++;
          report({ line: lineNumber, kind: 'invalid', code: parsed.code, message: parsed.message, ...(parsed.errors ? { errors: parsed.errors } : {}) });
          break;
        case 'event': {
          const { customerId } = parsed.input;
          let group = pending.get(customerId);
          if (!group) pending.set(customerId, (group = []));
          group.push({ line: lineNumber, input: parsed.input });
          pendingCount++;
          break;
        }
      }
      if (pendingCount >= bufferSize) await flush();
      if (interrupted) break;
    }
    if (!interrupted) await flush();
  } finally {
    progress.stop();
  }

  const durationMs = performance.now() - started;
  const lines = counts.recorded + counts.duplicate + counts.rejected + counts.invalid;
  return {
    command,
    file: source.name,
    ok: !interrupted && counts.rejected === 0 && counts.invalid === 0,
    interrupted,
    lines,
    ...counts,
    customers: customers.size,
    durationMs: Math.round(durationMs),
    linesPerSecond: durationMs > 0 ? Math.round((lines * 1000) / durationMs) : 0,
    issues: issues.sort((a, b) => a.line - b.line),
    issuesOmitted,
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The human summary: issues for stderr, the totals line for stdout. */
export function formatImportSummary(summary: ImportSummary): { details: string[]; lines: string[] } {
  const details = summary.issues.map((issue) => {
    const what = issue.kind === 'invalid' ? `invalid (${issue.code})` : `rejected ${issue.code}`;
    const who = issue.customerId !== undefined ? ` [customer-${issue.customerId}]` : '';
    return `line ${issue.line}: ${what}${who}: ${issue.message}`;
  });
  if (summary.issuesOmitted > 0) details.push(`… and ${summary.issuesOmitted} more issues not listed`);
  if (summary.interrupted) details.push('interrupted: lines after the last recorded chunk were not imported; run the same import again to finish (it is idempotent)');
  const invalid = summary.invalid > 0 ? `, ${summary.invalid} invalid` : '';
  const seconds = (summary.durationMs / 1000).toFixed(2);
  return {
    details,
    lines: [
      `imported ${summary.lines} lines: ${summary.recorded} recorded, ${summary.duplicate} duplicate, ${summary.rejected} rejected${invalid}` +
        ` (${plural(summary.customers, 'customer')}, ${plural(summary.events, 'event')} appended, ${seconds} s, ${summary.linesPerSecond} lines/s)`,
    ],
  };
}

// `rapport export`: the audit export of SPEC section 4 from the CLI — every
// recorded event in log order, as JSON lines or CSV, to stdout or a file.
import * as fs from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { exportEvents, renderExport, type AuditedEvent, type ExportFormat } from '@rapport/application';
import { instantMs } from '@rapport/domain';
import type { EventStore, PersonalDataVault } from '@rapport/event-store';
import type { CliContext, GlobalOptions } from './cli-context';
import { UserError } from './cli-errors';
import { instantOption } from './instant-option';

export interface ExportOptions {
  /** The bare log: events are exported as recorded, so each line re-hashes. */
  readonly eventStore: EventStore;
  /** Marks personal fields sealed or erased. */
  readonly vault?: PersonalDataVault;
  readonly format: ExportFormat;
  readonly from?: Date;
  readonly to?: Date;
  readonly output: NodeJS.WritableStream;
}

export interface ExportSummary {
  readonly command: 'export';
  readonly ok: true;
  readonly interrupted: false;
  readonly events: number;
  readonly format: ExportFormat;
}

export async function exportAudit(options: ExportOptions): Promise<ExportSummary> {
  let events = 0;
  async function* counted(source: AsyncIterable<AuditedEvent>) {
    for await (const event of source) {
      events++;
      yield event;
    }
  }
  const range = { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
  for await (const chunk of renderExport(counted(exportEvents(options.eventStore, range, undefined, options.vault)), options.format)) {
    // Respect back-pressure: a slow pipe must not make the export buffer the log.
    if (!options.output.write(chunk)) await once(options.output, 'drain');
  }
  return { command: 'export', ok: true, interrupted: false, events, format: options.format };
}

function instant(name: string, value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(instantMs(instantOption(name, value)));
}

export function registerExport(program: Command, context: CliContext): void {
  program
    .command('export')
    .description('write every recorded event in log order (audit export), as JSON lines or CSV')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--from <instant>', 'only events recorded at or after this RFC 3339 instant')
    .option('--to <instant>', 'only events recorded at or before this RFC 3339 instant')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (options: { format: string; from?: string; to?: string; out?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (options.format !== 'jsonl' && options.format !== 'csv') throw new UserError(`--format must be jsonl or csv, got ${options.format}`);
      const format: ExportFormat = options.format;
      const from = instant('from', options.from);
      const to = instant('to', options.to);
      const file = options.out ? fs.createWriteStream(options.out) : undefined;
      const summary = await context.withStores(globals, 'existing', ({ log, vault }) =>
        exportAudit({ eventStore: log, vault, format, output: file ?? context.io.stdout, ...(from ? { from } : {}), ...(to ? { to } : {}) }),
      );
      if (file) await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
      // The export itself is stdout's content, so the summary goes to stderr.
      context.io.stderr.write(`exported ${summary.events} events as ${format}${options.out ? ` to ${options.out}` : ''}\n`);
    });
}

// `rapport import jsonl <file>`: one event envelope (with customerId) per line.
import type { Command } from 'commander';
import type { CliContext, GlobalOptions } from './cli-context';
import { mapJsonlLine } from './jsonl.mapper';
import { formatImportSummary, importLines, type ImportOptions, type ImportSummary } from './line-importer';
import { assertReadableFile, fileLineSource, type LineSource } from './line-source';

export const IMPORT_JSONL = 'import jsonl';

export function importJsonl(source: LineSource, options: ImportOptions): Promise<ImportSummary> {
  return importLines(IMPORT_JSONL, source, (text) => mapJsonlLine(text), options);
}

export function registerImportJsonl(parent: Command, context: CliContext): void {
  parent
    .command('jsonl')
    .description('import event envelopes, one JSON object per line, validated like the HTTP API; bad lines are reported and skipped')
    .argument('<file>', 'JSON Lines file of event envelopes, each naming its customerId')
    .action(async (file: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      assertReadableFile(file);
      const summary = await context.withStores(globals, 'create', async ({ eventStore }) =>
        importJsonl(await fileLineSource(file), { eventStore, progress: context.progress(globals), signal: context.io.interruptSignal?.() }),
      );
      context.finish(globals, summary, formatImportSummary(summary));
    });
}

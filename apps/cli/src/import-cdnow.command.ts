// `rapport import cdnow <file>`: CDNOW transactions as purchased events.
import type { Command } from 'commander';
import type { CliContext, GlobalOptions } from './cli-context';
import { mapCdnowLine } from './cdnow.mapper';
import { formatImportSummary, importLines, type ImportOptions, type ImportSummary } from './line-importer';
import { assertReadableFile, fileLineSource, type LineSource } from './line-source';

export const IMPORT_CDNOW = 'import cdnow';

export function importCdnow(source: LineSource, options: ImportOptions): Promise<ImportSummary> {
  return importLines(IMPORT_CDNOW, source, mapCdnowLine, options);
}

export function registerImportCdnow(parent: Command, context: CliContext): void {
  parent
    .command('cdnow')
    .description('import CDNOW transactions (master_id sample_id YYYYMMDD n_cds dollars), one purchased event per line; idempotent')
    .argument('<file>', 'CDNOW transaction file, e.g. ../shared/data/cdnow/CDNOW_sample.txt')
    .action(async (file: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      assertReadableFile(file);
      const summary = await context.withStores(globals, 'create', async ({ eventStore }) =>
        importCdnow(await fileLineSource(file), { eventStore, progress: context.progress(globals), signal: context.io.interruptSignal?.() }),
      );
      context.finish(globals, summary, formatImportSummary(summary));
    });
}

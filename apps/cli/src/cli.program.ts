// The `rapport` command line: commander wiring, exit codes, and errors as one
// line each (a stack trace only for unexpected failures, and only with RAPPORT_DEBUG=1).
import { Command, CommanderError } from 'commander';
import { CliContext, type CliIo } from './cli-context';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UserError } from './cli-errors';
import { registerImportCdnow } from './import-cdnow.command';
import { registerImportJsonl } from './import-jsonl.command';
import { registerProjections } from './projections.command';
import { registerVerify } from './verify.command';
import { registerExport } from './export.command';
import { registerAnalytics } from './analytics.command';
import { registerPlaybooks } from './playbooks.command';

export function buildProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command('rapport')
    .description('Rapport command line: import events, rebuild read models, verify and export the audit log, analytics (embedded store)')
    .option('--data-dir <dir>', 'data directory of the embedded store (overrides RAPPORT_DATA_DIR, default ./data)')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--no-progress', 'no progress bar (there is none anyway when stderr is not a terminal)')
    // Set before the subcommands are added, so they inherit it.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run rapport --help for usage)')
    .showSuggestionAfterError(true);

  const importCommand = program.command('import').description('record events from a file; re-importing the same file records nothing new');
  registerImportCdnow(importCommand, context);
  registerImportJsonl(importCommand, context);
  registerProjections(program, context);
  registerVerify(program, context);
  registerExport(program, context);
  registerAnalytics(program, context);
  registerPlaybooks(program, context);
  program.addHelpText(
    'after',
    `
Exit codes: 0 success; 1 verification failed, lines were invalid or rejected, or a model could not be fitted;
2 usage, configuration or input-file error; 3 unexpected failure; 130 interrupted.
See docs/cli.md.`,
  );
  return program;
}

/** Runs one command line (without the `node main.ts` part) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context = new CliContext(io);
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed the help or the error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UserError) {
      io.stderr.write(`rapport: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const detail = error instanceof Error ? error.message : String(error);
    io.stderr.write(`rapport: unexpected failure: ${detail}\n`);
    if (io.env.RAPPORT_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    else io.stderr.write('(set RAPPORT_DEBUG=1 for the stack trace)\n');
    return EXIT_INTERNAL;
  }
}

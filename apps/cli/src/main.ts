// `npm run rapport -- <command>`: the Rapport CLI (see docs/cli.md).
import 'reflect-metadata';
import { EXIT_INTERNAL, EXIT_INTERRUPTED } from './cli-errors';
import { runCli } from './cli.program';

let interrupt: AbortController | undefined;

/** Installed only by commands that can stop between chunks (import, verify). */
function interruptSignal(): AbortSignal {
  if (!interrupt) {
    const controller = (interrupt = new AbortController());
    process.on('SIGINT', () => {
      // First Ctrl-C: finish the chunk in hand, close the stores, print the summary.
      // Second: leave at once (SQLite commits are atomic, nothing half-written stays).
      if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
      process.stderr.write('\ninterrupted: stopping after the work in hand (Ctrl-C again to quit now)\n');
      controller.abort();
    });
  }
  return interrupt.signal;
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interruptSignal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rapport: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_INTERNAL;
  },
);

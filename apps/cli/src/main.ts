// `npm run rapport -- <command>`: the Rapport CLI (see docs/cli.md).
import 'reflect-metadata';
import { EXIT_INTERRUPTED } from './cli-errors';
import { runCli } from './cli.program';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  // First Ctrl-C: finish the chunk in hand, close the stores, print the summary.
  // Second: leave at once (SQLite commits are atomic, nothing half-written stays).
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
  process.stderr.write('\ninterrupted: stopping after the work in hand (Ctrl-C again to quit now)\n');
  interrupt.abort();
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupt.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rapport: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);

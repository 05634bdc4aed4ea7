// Errors the user can fix, and the exit codes the CLI promises (docs/cli.md).

export const EXIT_OK = 0;
/** Verification found tampering, or some lines were invalid or rejected. */
export const EXIT_FAILED = 1;
/** Usage, configuration or input-file error: nothing was done. */
export const EXIT_USAGE = 2;
/** Something unexpected broke (a bug, a disk or database failure). */
export const EXIT_INTERNAL = 3;
/** Interrupted by SIGINT after finishing the work in hand. */
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line, the configuration or an input file: reported as one line, exit code 2. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

// Graceful stop for a Rapport process: on the first SIGTERM or SIGINT, close
// the app (in-flight work finishes, stores close), flush the traces, exit 0;
// exit 1 if closing failed. A second signal while closing is ignored.
import type { Tracing } from '@rapport/observability';

export function closeOnSignals(app: { close(): Promise<void> }, tracing: Tracing | undefined, log: { announce(signal: NodeJS.Signals): void; fail(message: string): void }): void {
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      log.announce(signal);
      app
        .close()
        // The spans of the last requests are exported before exiting.
        .then(() => tracing?.shutdown().catch(() => undefined))
        .then(
          () => process.exit(0),
          (error: unknown) => {
            log.fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
    });
  }
}

// Progress for long commands: a cli-progress bar on stderr when a person is
// watching, nothing otherwise (pipes, CI, --no-progress), so stdout stays clean.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Starts a phase: `total` units of `unit` (e.g. lines, events, streams). */
  start(task: string, total: number, unit: string): void;
  /** Sets how many units are done. */
  update(done: number): void;
  /** Ends the phase and clears the bar. */
  stop(): void;
}

export const silentProgress: Progress = { start: () => undefined, update: () => undefined, stop: () => undefined };

export function terminalProgress(stream: NodeJS.WriteStream): Progress {
  let bar: SingleBar | undefined;
  return {
    start(task, total, unit) {
      bar?.stop();
      bar = new SingleBar(
        {
          stream,
          format: `${task} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} | ETA {eta_formatted}`,
          clearOnComplete: true,
          hideCursor: false,
          etaBuffer: 50,
          fps: 10,
        },
        Presets.shades_classic,
      );
      bar.start(Math.max(total, 0), 0);
    },
    update(done) {
      if (!bar) return;
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** The bar only when asked for and stderr is a terminal. */
export function progressFor(enabled: boolean, stream: NodeJS.WritableStream): Progress {
  const tty = stream as Partial<NodeJS.WriteStream>;
  return enabled && tty.isTTY === true ? terminalProgress(stream as NodeJS.WriteStream) : silentProgress;
}

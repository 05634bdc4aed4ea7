// `--profile` for a bench that times work in its own process (the signals):
// a V8 CPU profile of exactly the timed call, written beside the servers'
// profiles, so the build of the data set around it stays out of the picture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session } from 'node:inspector/promises';

export interface CpuProfile {
  /** Stops profiling and writes `<name>.cpuprofile`: after the clock the bench reads, so writing it is not timed. */
  save(name: string): Promise<void>;
  /** Stops profiling, writing nothing (the timed work failed: its error is the one to see, not this one's). */
  discard(): Promise<void>;
}

const NONE: CpuProfile = { save: async () => undefined, discard: async () => undefined };

/** Starts the CPU profiler of this thread when there is a `profileDir`; without one, does nothing. */
export async function startCpuProfile(profileDir: string | undefined): Promise<CpuProfile> {
  if (!profileDir) return NONE;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const stop = async () => {
    try {
      return (await session.post('Profiler.stop')).profile;
    } finally {
      session.disconnect();
    }
  };
  return {
    save: async (name) => fs.writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(await stop())),
    discard: async () => void (await stop().catch(() => undefined)),
  };
}

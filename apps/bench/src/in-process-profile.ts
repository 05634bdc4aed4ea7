// `--profile` for a bench that times work in its own process (the signals):
// a V8 CPU profile of exactly the timed call, written beside the servers'
// profiles, so the build of the data set around it stays out of the picture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session } from 'node:inspector/promises';

/** Runs `work`; with a `profileDir`, under the CPU profiler, writing `<name>.cpuprofile` there. */
export async function profiled<T>(profileDir: string | undefined, name: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    let result: T;
    try {
      result = await work();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
    return result;
  } finally {
    session.disconnect();
  }
}

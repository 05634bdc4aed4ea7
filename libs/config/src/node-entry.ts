// Where the repository and its compiled JavaScript are, and how to start one
// of its entry points as a process. `npm start` and the other roles run the
// JavaScript that apps/api/src/build compiles under dist/node; tests and
// benches that start roles from sources run the TypeScript through the SWC
// hook. A process started from one starts its children from the same.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory holding nx.json, looked up from `from`: the same from sources and from dist/node. */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${from}: not inside the Rapport repository`);
  }
}

/** Where the compiled JavaScript goes, mirroring apps/ and libs/. */
export const COMPILED_DIR = path.join('dist', 'node');

/** The compiled file of a source file (both relative to the repository root). */
export function compiledPath(source: string): string {
  return path.join(COMPILED_DIR, source.replace(/\.ts$/, '.js'));
}

/** True in a process that runs the compiled JavaScript. */
export const RUNS_COMPILED = __filename.endsWith('.js');

/**
 * The node arguments that start `entry` (a source path relative to the
 * repository root): its compiled file when `compiled`, else the source
 * through the SWC hook.
 */
export function nodeArguments(entry: string, compiled: boolean = RUNS_COMPILED, root: string = repositoryRoot()): string[] {
  return compiled ? [path.join(root, compiledPath(entry))] : ['-r', '@swc-node/register', path.join(root, entry)];
}

/**
 * What a Rapport process starts with besides its own settings; package.json's
 * scripts set the same. glibc's malloc returns a freed block of 128 KiB or more
 * to the system at once, rather than raising that threshold to the largest
 * block freed so far (up to 32 MiB) and keeping later blocks in heaps that
 * fragment and never shrink (docs/decisions.md, "Large blocks go back to the
 * system when freed"). Other C libraries ignore it.
 */
export const PROCESS_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

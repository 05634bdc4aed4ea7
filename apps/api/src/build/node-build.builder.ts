// Compiles every app and lib (not their tests) to CommonJS under dist/node,
// so `npm start` and the other roles run JavaScript: no TypeScript compiler
// and source maps held in the process or in each fit worker, and nothing
// compiled while the server starts. SWC with the repository's .swcrc (the
// settings the SWC hook and the tests use), the tsconfig paths turned into
// relative requires. Incremental: a file is compiled again only when its
// source changed since its output was written, and everything is when the compiler, its
// settings or the paths change; outputs whose source is gone are removed.
// An output carries its source's modification time: one that differs (an
// edit, even one saved during a build, or a file restored with an older time)
// is compiled again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformFileSync, version as swcVersion, type Options } from '@swc/core';
import { COMPILED_DIR, repositoryRoot } from '@rapport/config';

export interface NodeBuildResult {
  readonly compiled: number;
  readonly upToDate: number;
  readonly removed: number;
  readonly ms: number;
}

const SOURCE_ROOTS = ['apps', 'libs'];
const STAMP = '.build-stamp.json';

function isSource(file: string): boolean {
  return file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts');
}

/** Projects tagged `type:web` run in the browser (esbuild bundles them): not compiled here. */
function runsOnNode(projectDir: string): boolean {
  const file = path.join(projectDir, 'project.json');
  if (!fs.existsSync(file)) return true;
  const { tags = [] } = JSON.parse(fs.readFileSync(file, 'utf8')) as { tags?: string[] };
  return !tags.includes('type:web');
}

/** The files under `dir` whose names `keep` accepts, relative to `dir`; none when it does not exist. */
function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(keep) : [];
}

/** Every source file under apps/*\/src and libs/*\/src of the Node projects, relative to the root. */
function sourceFiles(root: string): string[] {
  return SOURCE_ROOTS.flatMap((top) =>
    fs
      .readdirSync(path.join(root, top), { withFileTypes: true })
      .filter((project) => project.isDirectory() && runsOnNode(path.join(root, top, project.name)))
      .flatMap((project) => {
        const src = path.join(top, project.name, 'src');
        return filesUnder(path.join(root, src), isSource).map((file) => path.join(src, file));
      }),
  );
}

/** Two roles started at once may both build: a reader never sees half a file. `mtime` dates it (an output: its source's). */
function writeAtomically(file: string, content: string, mtime?: Date): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  if (mtime) fs.utimesSync(temporary, mtime, mtime);
  fs.renameSync(temporary, file);
}

function swcOptions(root: string): Options {
  const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8')) as Options & { $schema?: string };
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
  const { $schema: _schema, ...settings } = swcrc;
  return {
    ...settings,
    swcrc: false,
    // Stack traces name the .ts line under NODE_OPTIONS=--enable-source-maps; the maps stay on disk otherwise.
    sourceMaps: true,
    jsc: { ...settings.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
  };
}

/** Compiles what changed since the last build; returns what it did. */
export function buildNode(root: string = repositoryRoot()): NodeBuildResult {
  const started = performance.now();
  const outDir = path.join(root, COMPILED_DIR);
  const options = swcOptions(root);
  const stamp = JSON.stringify({ swc: swcVersion, options });
  const stampFile = path.join(outDir, STAMP);
  // New settings compile everything again, over the old files: a running process may still load them.
  const settled = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;

  const sources = sourceFiles(root);
  const wanted = new Set(sources.map((s) => s.replace(/\.ts$/, '.js')));
  let removed = 0;
  for (const output of filesUnder(outDir, (file) => file.endsWith('.js'))) {
    if (wanted.has(output)) continue;
    // Another build may remove it first.
    fs.rmSync(path.join(outDir, output), { force: true });
    fs.rmSync(path.join(outDir, `${output}.map`), { force: true });
    removed++;
  }

  let compiled = 0;
  for (const source of sources) {
    const from = path.join(root, source);
    const to = path.join(outDir, source.replace(/\.ts$/, '.js'));
    // Stated before compiling: a source saved meanwhile differs from its output afterwards, and is compiled next time.
    const input = fs.statSync(from);
    const output = fs.statSync(to, { throwIfNoEntry: false });
    // Within a millisecond: a time set from a Date may come back a nanosecond short of it.
    if (settled && output && Math.abs(output.mtimeMs - input.mtimeMs) < 1) continue;
    const { code, map } = transformFileSync(from, { ...options, filename: from, sourceFileName: path.relative(path.dirname(to), from) });
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (map) writeAtomically(`${to}.map`, map);
    writeAtomically(to, map ? `${code}\n//# sourceMappingURL=${path.basename(to)}.map\n` : code, input.mtime);
    compiled++;
  }
  fs.mkdirSync(outDir, { recursive: true });
  writeAtomically(stampFile, stamp);
  return { compiled, upToDate: sources.length - compiled, removed, ms: Math.round(performance.now() - started) };
}

// Builds the analyst workspace (apps/workspace-web) with esbuild: one
// minified, tree-shaken ES module, its stylesheet, an icon and the page that
// loads them, named by content hash so browsers may cache them for good. Runs
// at `npm ci` (the `prepare` script) and again at API start whenever the
// sources no longer match what was built; the output goes under dist/ and is
// never committed.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { repositoryRoot } from '@rapport/config';

const REPO_ROOT = repositoryRoot();
export const WORKSPACE_SOURCE_DIR = path.join(REPO_ROOT, 'apps/workspace-web/src');
export const WORKSPACE_OUT_DIR = path.join(REPO_ROOT, 'dist/workspace');

/** Files the page is made of; `name` is the path under /app/. */
export interface BuiltFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface WorkspaceManifest {
  /** Hash of every source file and of the bundler's and chart library's versions: a new one means a new build. */
  readonly fingerprint: string;
  readonly builtAt: string;
  /** The page, then its assets. */
  readonly index: BuiltFile;
  readonly assets: readonly BuiltFile[];
}

export interface BuildLocation {
  readonly sourceDir: string;
  readonly outDir: string;
}

const DEFAULT_LOCATION: BuildLocation = { sourceDir: WORKSPACE_SOURCE_DIR, outDir: WORKSPACE_OUT_DIR };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Source files, tests and type-only declarations left out, in a stable order. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.spec.ts')) files.push(full);
    }
  };
  walk(dir);
  return files;
}

function packageVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

/** What the build depends on, hashed: cheap enough to check at every start (a few dozen small files). */
export function workspaceFingerprint(sourceDir: string = WORKSPACE_SOURCE_DIR): string {
  const hash = createHash('sha256');
  hash.update(`esbuild@${packageVersion('esbuild')} echarts@${packageVersion('echarts')}\0`);
  for (const file of sourceFiles(sourceDir)) {
    hash.update(path.relative(sourceDir, file).split(path.sep).join('/'));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The manifest of the build that matches the sources, if there is one. */
export function readBuiltManifest(location: BuildLocation = DEFAULT_LOCATION, fingerprint = workspaceFingerprint(location.sourceDir)): WorkspaceManifest | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(location.outDir, fingerprint, 'manifest.json'), 'utf8')) as WorkspaceManifest;
    return manifest.fingerprint === fingerprint ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** The directory a manifest's files are in. */
export function buildDirectory(manifest: WorkspaceManifest, location: BuildLocation = DEFAULT_LOCATION): string {
  return path.join(location.outDir, manifest.fingerprint);
}

/** The build matching the sources: the one already on disk, or a new one. */
export async function ensureWorkspaceBuilt(location: BuildLocation = DEFAULT_LOCATION): Promise<WorkspaceManifest> {
  const fingerprint = workspaceFingerprint(location.sourceDir);
  return readBuiltManifest(location, fingerprint) ?? buildWorkspace(location, fingerprint);
}

/**
 * Builds into a private directory, then renames it to `<outDir>/<fingerprint>`:
 * several processes starting at once (test workers) may all build, the first
 * rename wins and the others keep its identical result.
 */
export async function buildWorkspace(location: BuildLocation = DEFAULT_LOCATION, fingerprint = workspaceFingerprint(location.sourceDir)): Promise<WorkspaceManifest> {
  // Loaded here, not at the top: a server whose build is already on disk never starts the bundler.
  const esbuild = await import('esbuild');
  fs.mkdirSync(location.outDir, { recursive: true });
  const staging = path.join(location.outDir, `.staging-${randomUUID()}`);
  const assetsDir = path.join(staging, 'assets');
  try {
    const result = await esbuild.build({
      entryPoints: [path.join(location.sourceDir, 'main.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      treeShaking: true,
      sourcemap: false,
      // ECharts keeps its developer warnings behind this test.
      define: { 'process.env.NODE_ENV': '"production"' },
      entryNames: 'workspace-[hash]',
      assetNames: '[name]-[hash]',
      loader: { '.svg': 'file' },
      outdir: assetsDir,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = Object.keys(result.metafile.outputs).map((file) => path.resolve(file));
    const script = outputs.find((file) => file.endsWith('.js'));
    const style = outputs.find((file) => file.endsWith('.css'));
    if (!script || !style) throw new Error(`the workspace build wrote no script or no stylesheet: ${outputs.join(', ')}`);
    const icon = copyHashed(path.join(location.sourceDir, 'favicon.svg'), assetsDir);
    const page = fs
      .readFileSync(path.join(location.sourceDir, 'index.html'), 'utf8')
      .replaceAll('%SCRIPT%', `assets/${path.basename(script)}`)
      .replaceAll('%STYLE%', `assets/${path.basename(style)}`)
      .replaceAll('%ICON%', `assets/${icon}`);
    fs.writeFileSync(path.join(staging, 'index.html'), page);

    const describe = (file: string): BuiltFile => {
      const content = fs.readFileSync(file);
      const gzipped = gzipSync(content, { level: 9 });
      fs.writeFileSync(`${file}.gz`, gzipped);
      return { name: path.relative(staging, file).split(path.sep).join('/'), contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', bytes: content.length, gzipBytes: gzipped.length };
    };
    const manifest: WorkspaceManifest = {
      fingerprint,
      builtAt: new Date().toISOString(),
      index: describe(path.join(staging, 'index.html')),
      assets: fs.readdirSync(assetsDir).filter((name) => !name.endsWith('.gz')).sort().map((name) => describe(path.join(assetsDir, name))),
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const target = path.join(location.outDir, fingerprint);
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      // Another process finished the same build first: keep its copy.
      if (!readBuiltManifest(location, fingerprint)) throw error;
    }
    removeOtherBuilds(location.outDir, fingerprint);
    return readBuiltManifest(location, fingerprint) ?? manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function copyHashed(file: string, dir: string): string {
  const content = fs.readFileSync(file);
  const ext = path.extname(file);
  const name = `${path.basename(file, ext)}-${createHash('sha256').update(content).digest('hex').slice(0, 8)}${ext}`;
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

/** Builds of older sources, and staging directories left by a process that died, older than a minute (a live one may still be writing). */
function removeOtherBuilds(outDir: string, keep: string): void {
  const minuteAgo = Date.now() - 60_000;
  for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const full = path.join(outDir, entry.name);
    try {
      if (fs.statSync(full).mtimeMs < minuteAgo) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another process.
    }
  }
}

/** Total gzipped size of the JavaScript a browser downloads: what the ≤ 300 KB budget is about. */
export function javascriptGzipBytes(manifest: WorkspaceManifest): number {
  return manifest.assets.filter((file) => file.name.endsWith('.js')).reduce((total, file) => total + file.gzipBytes, 0);
}

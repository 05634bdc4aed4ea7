// `npm ci` (the `prepare` script), and `npm start` and the other roles' npm
// scripts before they start: compiles what changed to dist/node (see
// node-build.builder.ts) and builds the workspace when its sources changed, so
// the processes run JavaScript. Prints what it did; with --quiet, only when it
// compiled something.
import { buildNode } from './node-build.builder';
import { ensureWorkspaceBuilt, javascriptGzipBytes } from '../workspace/workspace-bundle.builder';

async function main(): Promise<void> {
  const quiet = process.argv.includes('--quiet');
  const node = buildNode();
  if (!quiet || node.compiled + node.removed > 0) {
    // On stderr: a CLI's stdout carries only its own answer (an export, a JSON report).
    process.stderr.write(`dist/node: ${node.compiled} compiled, ${node.upToDate} up to date, ${node.removed} removed (${node.ms} ms)\n`);
  }
  const manifest = await ensureWorkspaceBuilt();
  if (quiet) return;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  process.stderr.write(`workspace ${manifest.fingerprint}: ${manifest.assets.map((a) => `${a.name} ${kb(a.bytes)} (${kb(a.gzipBytes)} gzipped)`).join(', ')}; JavaScript ${kb(javascriptGzipBytes(manifest))} gzipped\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`build failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

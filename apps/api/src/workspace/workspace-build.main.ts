// `npm ci` / `npm install` (the `prepare` script): builds the workspace once,
// so `npm start` serves it without building. Prints what it built.
import { ensureWorkspaceBuilt, javascriptGzipBytes } from './workspace-bundle.builder';

ensureWorkspaceBuilt().then(
  (manifest) => {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    process.stdout.write(`workspace ${manifest.fingerprint}: ${manifest.assets.map((a) => `${a.name} ${kb(a.bytes)} (${kb(a.gzipBytes)} gzipped)`).join(', ')}; JavaScript ${kb(javascriptGzipBytes(manifest))} gzipped\n`);
  },
  (error: unknown) => {
    process.stderr.write(`workspace build failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

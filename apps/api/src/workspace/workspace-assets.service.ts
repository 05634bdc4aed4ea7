// The workspace's files, held in memory as built (and gzipped) at start: the
// page is small, and serving it must not touch the disk or the bundler again.
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDirectory, ensureWorkspaceBuilt, javascriptGzipBytes, type BuiltFile, type WorkspaceManifest } from './workspace-bundle.builder';

export interface WorkspaceFile {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  /** Strong validator: the content's hash is in the asset names already, the page's is computed. */
  readonly etag: string;
}

@Injectable()
export class WorkspaceAssets implements OnModuleInit {
  private readonly logger = new Logger('Workspace');
  private manifest: WorkspaceManifest | undefined;
  private readonly files = new Map<string, WorkspaceFile>();

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    const manifest = await ensureWorkspaceBuilt();
    const dir = buildDirectory(manifest);
    const load = (file: BuiltFile): WorkspaceFile => ({
      contentType: file.contentType,
      body: fs.readFileSync(path.join(dir, file.name)),
      gzip: fs.readFileSync(path.join(dir, `${file.name}.gz`)),
      etag: `"${manifest.fingerprint}"`,
    });
    this.files.set('index.html', load(manifest.index));
    for (const asset of manifest.assets) this.files.set(asset.name, load(asset));
    this.manifest = manifest;
    this.logger.debug(`workspace ${manifest.fingerprint} ready in ${Date.now() - started} ms (${Math.round(javascriptGzipBytes(manifest) / 1024)} KB of JavaScript gzipped)`);
  }

  /** The page at /app/. */
  get index(): WorkspaceFile {
    return this.files.get('index.html')!;
  }

  /** An asset by its name under /app/assets/, or undefined. */
  asset(name: string): WorkspaceFile | undefined {
    return name.includes('/') ? undefined : this.files.get(`assets/${name}`);
  }

  get built(): WorkspaceManifest {
    if (!this.manifest) throw new Error('the workspace is not loaded yet');
    return this.manifest;
  }
}

// What every command's action needs: configuration, stores, progress and output,
// with user mistakes turned into UserError (exit code 2).
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type RapportConfig } from '@rapport/config';
import { PersonalDataVault, SealingEventStore, type EventStore } from '@rapport/event-store';
import { CustomerReadModels } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import { embeddedPaths, openEmbeddedStores } from '@rapport/wiring';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UserError } from './cli-errors';
import { progressFor, type Progress } from './progress.reporter';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * For commands that can stop cleanly: from the first call on, SIGINT aborts
   * the returned signal instead of killing the process. Commands that never call
   * it (projections) keep the default: Ctrl-C ends the process at once, which is
   * safe because every batch commits atomically with its checkpoint.
   */
  readonly interruptSignal?: () => AbortSignal;
}

/** The program's options, given before or after the command. */
export interface GlobalOptions {
  readonly dataDir?: string;
  readonly json?: boolean;
  readonly progress: boolean;
}

export interface Stores {
  readonly config: RapportConfig;
  /** The log as writes and projections see it: personal fields sealed on append, opened on read. */
  readonly eventStore: EventStore;
  /** The bare log, as recorded and hashed: for verify and export. */
  readonly log: EventStore;
  readonly vault: PersonalDataVault;
  /** Where the read models are kept; the projections write it. */
  readonly documentStore: DocumentStore;
  readonly readModels: CustomerReadModels;
}

/** Whether a command may create an empty store (import) or needs one that exists (verify, rebuild). */
export type StoreNeed = 'create' | 'existing';

export interface Outcome {
  readonly ok: boolean;
  readonly interrupted?: boolean;
}

export class CliContext {
  /** Set by the command that ran. */
  exitCode = EXIT_OK;

  constructor(readonly io: CliIo) {}

  config(options: GlobalOptions): RapportConfig {
    const env = options.dataDir !== undefined ? { ...this.io.env, RAPPORT_DATA_DIR: options.dataDir } : this.io.env;
    if (options.dataDir !== undefined && options.dataDir.trim() === '') throw new UserError('--data-dir must name a directory');
    try {
      return loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UserError(`configuration error: ${error.message}`);
      throw error;
    }
  }

  /** Opens the configured store, runs `work`, and closes the store whatever happens. */
  async withStores<T>(options: GlobalOptions, need: StoreNeed, work: (stores: Stores) => Promise<T>): Promise<T> {
    const config = this.config(options);
    if (config.mode !== 'embedded') {
      throw new UserError(`RAPPORT_MODE=${config.mode} is not supported by the CLI yet; it works on the embedded store (RAPPORT_MODE=embedded)`);
    }
    const paths = embeddedPaths(config);
    if (need === 'existing' && !existsSync(paths.log)) {
      throw new UserError(`no event log at ${paths.log}; nothing was recorded under this data directory (see --data-dir / RAPPORT_DATA_DIR)`);
    }
    let stores;
    try {
      stores = openEmbeddedStores(config);
    } catch (error) {
      throw new UserError(`cannot open the store under ${config.dataDir}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const vault = new PersonalDataVault(stores.keyStore);
    const sealing = new SealingEventStore(stores.eventStore, vault);
    try {
      const { documentStore } = stores;
      return await work({ config, eventStore: sealing, log: stores.eventStore, vault, documentStore, readModels: new CustomerReadModels(documentStore) });
    } finally {
      // the log and the key store, then the read models
      await Promise.allSettled([sealing.close(), stores.documentStore.close()]);
    }
  }

  progress(options: GlobalOptions): Progress {
    return progressFor(options.progress && options.json !== true, this.io.stderr);
  }

  /** Prints the summary (JSON, or details on stderr and totals on stdout) and sets the exit code. */
  finish(options: GlobalOptions, summary: Outcome, human: { details: readonly string[]; lines: readonly string[] }): void {
    if (options.json) {
      this.io.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      for (const line of human.details) this.io.stderr.write(`${line}\n`);
      for (const line of human.lines) this.io.stdout.write(`${line}\n`);
    }
    this.exitCode = summary.interrupted ? EXIT_INTERRUPTED : summary.ok ? EXIT_OK : EXIT_FAILED;
  }
}

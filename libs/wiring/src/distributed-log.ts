// Distributed mode's event log (SPEC section 2): EventStoreDB when
// RAPPORT_ESDB_URL is set, else the SQLite file under RAPPORT_DATA_DIR that
// the API appends to and the relay follows.
import { existsSync, mkdirSync } from 'node:fs';
import { redactUrl, type RapportConfig } from '@rapport/config';
import type { EventStore } from '@rapport/event-store';
import { EsdbEventStore } from '@rapport/event-store-esdb';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { embeddedPaths } from './embedded-stores';

export interface OpenedLog {
  readonly store: EventStore;
  /** Where the log lives, for start-up lines and messages (credentials redacted). */
  readonly description: string;
}

export function openDistributedLog(config: Pick<RapportConfig, 'esdbUrl' | 'dataDir'>, options: { create?: boolean } = {}): OpenedLog {
  if (config.esdbUrl !== undefined) {
    return { store: EsdbEventStore.connect(config.esdbUrl), description: `EventStoreDB ${redactUrl(config.esdbUrl)}` };
  }
  const file = embeddedPaths(config).log;
  if (options.create === false && !existsSync(file)) throw new Error(`no event log at ${file} (see RAPPORT_DATA_DIR, or set RAPPORT_ESDB_URL)`);
  if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return { store: SqliteEventStore.open(file), description: `SQLite ${file}` };
}

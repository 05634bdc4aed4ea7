// The event log the relay follows (SPEC section 2): EventStoreDB when
// RAPPORT_ESDB_URL is set, else the SQLite file under RAPPORT_DATA_DIR — the
// same file the API in distributed mode appends to.
import { existsSync, mkdirSync } from 'node:fs';
import type { RapportConfig } from '@rapport/config';
import { EsdbEventStore, SqliteEventStore, type EventStore } from '@rapport/event-store';
import { embeddedPaths } from '@rapport/wiring';

export interface OpenedLog {
  readonly store: EventStore;
  /** Where the log lives, for the start-up line. */
  readonly description: string;
}

export function openEventLog(config: Pick<RapportConfig, 'esdbUrl' | 'dataDir'>): OpenedLog {
  if (config.esdbUrl !== undefined) {
    return { store: EsdbEventStore.connect(config.esdbUrl), description: `EventStoreDB ${redact(config.esdbUrl)}` };
  }
  if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true });
  const file = embeddedPaths(config).log;
  return { store: SqliteEventStore.open(file), description: `SQLite ${file}` };
}

/** Connection strings may carry credentials. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

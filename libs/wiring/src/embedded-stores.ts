// Embedded mode: the log and the read models are SQLite files under the data
// directory, and the projection runner follows the log in-process.
import * as path from 'node:path';
import { SqliteEventStore } from '@rapport/event-store';
import { SqliteReadStore } from '@rapport/read-store';
import type { RapportConfig } from '@rapport/config';

export function embeddedPaths(config: Pick<RapportConfig, 'dataDir'>) {
  return {
    log: path.join(config.dataDir, 'events.sqlite'),
    readModels: path.join(config.dataDir, 'read-models.sqlite'),
  };
}

export function openEmbeddedStores(config: Pick<RapportConfig, 'dataDir'>) {
  const paths = embeddedPaths(config);
  return { eventStore: SqliteEventStore.open(paths.log), readStore: SqliteReadStore.open(paths.readModels) };
}

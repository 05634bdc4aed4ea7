// Embedded mode: the log and the read models are SQLite files under the data
// directory, and the projection runner follows the log in-process.
import * as path from 'node:path';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store';
import { SqliteReadStore } from '@rapport/read-store';
import type { RapportConfig } from '@rapport/config';

export function embeddedPaths(config: Pick<RapportConfig, 'dataDir'>) {
  return {
    log: path.join(config.dataDir, 'events.sqlite'),
    readModels: path.join(config.dataDir, 'read-models.sqlite'),
    // A file of its own: the log can be copied and backed up without the keys that open its personal data.
    keys: path.join(config.dataDir, 'personal-data-keys.sqlite'),
  };
}

export function openEmbeddedStores(config: Pick<RapportConfig, 'dataDir'>) {
  const paths = embeddedPaths(config);
  return {
    eventStore: SqliteEventStore.open(paths.log),
    readStore: SqliteReadStore.open(paths.readModels),
    keyStore: SqliteKeyStore.open(paths.keys),
  };
}

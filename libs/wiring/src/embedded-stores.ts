// Embedded mode: the log and the read models are SQLite files under the data
// directory, and the projections follow the log in-process.
import { existsSync, openSync, closeSync, fstatSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import * as path from 'node:path';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import type { RapportConfig } from '@rapport/config';

export function embeddedPaths(config: Pick<RapportConfig, 'dataDir'>) {
  return {
    log: path.join(config.dataDir, 'events.sqlite'),
    readModels: path.join(config.dataDir, 'read-model-documents.sqlite'),
    // A file of its own: the log can be copied and backed up without the keys that open its personal data.
    keys: path.join(config.dataDir, 'personal-data-keys.sqlite'),
    // The decider's state every 1,000 events of a stream: a cache the log can always rebuild (no personal data).
    snapshots: path.join(config.dataDir, 'snapshots.sqlite'),
  };
}

/**
 * The read models' file before they became declared projections. They are
 * rebuilt from the log into the new file, and the old one goes: it may hold
 * personal data that later erasures would not reach.
 */
function removeLegacyReadModels(dataDir: string): void {
  const legacy = path.join(dataDir, 'read-models.sqlite');
  for (const file of ['', '-wal', '-shm'].map((suffix) => legacy + suffix)) {
    if (!existsSync(file)) continue;
    // Zeroed before it is unlinked, so its pages do not linger on the disk's free blocks.
    const fd = openSync(file, 'r+');
    try {
      const zeros = Buffer.alloc(64 * 1024);
      for (let at = 0, size = fstatSync(fd).size; at < size; at += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(file, { force: true });
  }
}

export function openEmbeddedReadModels(config: Pick<RapportConfig, 'dataDir'>): SqliteDocumentStore {
  removeLegacyReadModels(config.dataDir);
  return SqliteDocumentStore.open(embeddedPaths(config).readModels, collectionsOf(READ_MODELS));
}

export function openEmbeddedStores(config: Pick<RapportConfig, 'dataDir'>) {
  const paths = embeddedPaths(config);
  return {
    eventStore: SqliteEventStore.open(paths.log),
    documentStore: openEmbeddedReadModels(config),
    keyStore: SqliteKeyStore.open(paths.keys),
  };
}

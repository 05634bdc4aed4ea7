export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.adapter';
export { SqliteKeyStore } from './sqlite-key-store.adapter';
export { preparePrivateDatabaseFile } from './private-file';
export { SqliteSnapshotStore } from './sqlite-snapshot-store.adapter';

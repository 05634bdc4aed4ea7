export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.adapter';
export { SqliteKeyStore } from './sqlite-key-store.adapter';
export { preparePrivateDatabaseFile } from './private-file';
export { openPrivateDatabase } from './private-database';
export { SqliteSnapshotStore } from './sqlite-snapshot-store.adapter';
export { isUniqueViolation, sqliteCode } from './sqlite-error';

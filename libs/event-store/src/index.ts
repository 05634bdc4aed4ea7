export * from './event-store.port';
export * from './hash-chain';
export { StorageFullError } from './storage-full';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.adapter';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.adapter';
export * from './personal-data';
export { preparePrivateDatabaseFile } from './private-file';

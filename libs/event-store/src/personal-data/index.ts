export * from './key-store.port';
export { SqliteKeyStore } from './sqlite-key-store.adapter';
export { MongoKeyStore, KEY_COLLECTION, ERASURE_SWEEP_COLLECTION } from './mongo-key-store.adapter';
export { PersonalDataVault, SealedValueError, isSealedValue, type PersonalDataStatus } from './personal-data.vault';
export { SealingEventStore } from './sealing-event-store.decorator';

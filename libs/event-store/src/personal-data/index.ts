export * from './key-store.port';
export { PersonalDataVault, SealedValueError, isSealedValue, type PersonalDataStatus } from './personal-data.vault';
export { SealingEventStore } from './sealing-event-store.decorator';

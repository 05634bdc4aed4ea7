export { describeEventStoreContract, type EventStoreContractOptions, type EventStoreFixture } from './event-store.contract';
export type { Tamperer } from './tamperer';
export { describeKeyStoreContract, type KeyStoreFixture } from './key-store.contract';
export { describeSnapshotStoreContract, type SnapshotStoreFixture } from './snapshot-store.contract';

export { describeEventStoreContract, type EventStoreContractOptions, type EventStoreFixture } from './event-store.contract';
export type { Tamperer } from './tamperer';
export { describeKeyStoreContract, type KeyStoreFixture } from './key-store.contract';

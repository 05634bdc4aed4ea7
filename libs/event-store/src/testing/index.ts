export { describeEventStoreContract, type EventStoreContractOptions, type EventStoreFixture } from './event-store.contract';
export type { Tamperer } from './tamperer';
export { sqliteTamperer } from './sqlite-tamperer';

export { describeEventStoreContract, type EventStoreContractOptions, type EventStoreFixture } from './event-store.contract';
export type { Tamperer } from './tamperer';
export { sqliteTamperer } from './sqlite-tamperer';
export { EsdbWireTestServer, WireTransactionLog, type EsdbWireTestServerOptions, type WireLogRecord } from './esdb-wire-test-server';
export { esdbWireTamperer } from './esdb-wire-tamperer';
export { describeKeyStoreContract, type KeyStoreFixture } from './key-store.contract';
export { openMongoKeyStoreFixture } from './mongo-key-store.fixture';
export { writeRecordedHistory } from './sqlite-recorded-history';

export { EsdbWireTestServer, WireTransactionLog, type EsdbWireTestServerOptions, type WireLogRecord } from './esdb-wire-test-server';
export { esdbWireTamperer } from './esdb-wire-tamperer';

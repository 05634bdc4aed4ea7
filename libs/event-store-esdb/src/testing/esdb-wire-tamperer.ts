// Tampering with the wire test server's in-memory log directly, behind the
// adapter and the gRPC API: what someone with write access to an EventStoreDB
// node's chunk files could do. A real server cannot be tampered with through
// its API (events are immutable), so the real-server run of the contract suite
// opts out of the tamper tests.
import type { EsdbWireTestServer, WireLogRecord } from './esdb-wire-test-server';
import type { Tamperer } from '@rapport/event-store/testing';

export function esdbWireTamperer(server: EsdbWireTestServer, customerStreamPrefix = 'customer-'): Tamperer {
  const log = server.log;
  const stream = (customerId: string) => `${customerStreamPrefix}${customerId}`;
  const rewriteMetadata = (record: WireLogRecord, change: (metadata: Record<string, unknown>) => void) => {
    const metadata = JSON.parse(Buffer.from(record.metadata).toString('utf8')) as Record<string, unknown>;
    change(metadata);
    record.metadata = new Uint8Array(Buffer.from(JSON.stringify(metadata), 'utf8'));
  };

  return {
    async updateData(customerId, revision, data) {
      log.find(stream(customerId), revision).data = new Uint8Array(Buffer.from(JSON.stringify(data), 'utf8'));
    },

    async deleteEvent(customerId, revision) {
      log.remove(stream(customerId), revision);
    },

    async swap(customerId, revisionA, revisionB) {
      log.swapEventNumbers(stream(customerId), revisionA, revisionB);
    },

    async setSchemaVersion(customerId, revision, version) {
      rewriteMetadata(log.find(stream(customerId), revision), (metadata) => {
        if (version === undefined) delete metadata.schemaVersion;
        else metadata.schemaVersion = version;
      });
    },

    async setHash(customerId, revision, hash) {
      rewriteMetadata(log.find(stream(customerId), revision), (metadata) => {
        metadata.hash = hash;
      });
    },
  };
}

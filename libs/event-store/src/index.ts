export * from './event-store.port';
export * from './hash-chain';
export { StorageFullError } from './storage-full.error';
export * from './personal-data';
// For adapters of the port, so they normalise and refuse the same inputs the same way.
export { normaliseNewEvent, type NormalisedEvent } from './normalised-event';
export { assertCustomerId, assertExpectedRevision, integer, nonNegativeInteger, positiveInteger } from './argument-checks';
export { readStreamsWithin } from './stream-tails';
export * from './snapshots/snapshot-store.port';

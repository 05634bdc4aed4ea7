export { MongoKeyStore, KEY_COLLECTION, ERASURE_SWEEP_COLLECTION } from './mongo-key-store.adapter';

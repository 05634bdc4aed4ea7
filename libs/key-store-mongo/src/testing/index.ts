export { openMongoKeyStoreFixture } from './mongo-key-store.fixture';

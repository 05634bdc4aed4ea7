import { describeSnapshotStoreContract } from '../testing/snapshot-store.contract';
import { InMemorySnapshotStore } from './snapshot-store.port';

describeSnapshotStoreContract('in memory', async () => ({ store: new InMemorySnapshotStore() }), { durable: false });

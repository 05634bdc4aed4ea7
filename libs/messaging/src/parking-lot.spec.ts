import { InMemoryParkingLot } from './parking-lot';
import { describeParkingLotContract } from './testing';

describeParkingLotContract('in memory', async () => ({ lot: new InMemoryParkingLot() }));

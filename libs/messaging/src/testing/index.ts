export { describeParkingLotContract, type ParkingLotFixture } from './parking-lot.contract';

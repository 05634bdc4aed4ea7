export { random, gammaVariate, simulateBgNbd, simulateMbgNbd, simulateParetoNbd, summaryAt, ages, type SimulatedCustomer } from './simulate';

export * from './events';
export * from './loop';
export * from './refusal';
export * from './customer.decider';
export * from './envelope';
export * from './personal-data';
export * from './instant';
export * from './upcasting';

export * from './customer-event.message';
export * from './kafka-relay';

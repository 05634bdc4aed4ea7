export * from './customer-event.message';

export * from './customer-commands.service';
export * from './projection-runner';
export * from './audit.service';
export * from './recorded-event.mapper';
export * from './audit-export';
export * from './analytics.service';
export * from './personal-data-erasure.service';

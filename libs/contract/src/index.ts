export * from './api-field.decorator';
export * from './event-envelope.dto';
export * from './field-errors';
export * from './is-instant.decorator';
export * from './validate-envelope';

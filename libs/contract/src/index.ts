export * from './api-field.decorator';
export * from './event-envelope.dto';
export * from './is-instant.decorator';
export * from './validate-envelope';

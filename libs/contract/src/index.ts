export * from './event-envelope.dto';
export * from './validate-envelope';

export * from './payload-rules';

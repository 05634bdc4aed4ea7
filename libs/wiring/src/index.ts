export * from './embedded-stores';
export * from './system-clock';

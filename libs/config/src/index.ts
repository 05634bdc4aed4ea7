export * from './config-error';
export * from './env-values';
export * from './logger';
export * from './rapport.config';
export * from './sleep';
export * from './dependency';
export * from './dependency-monitor';
export * from './start-with-retries';

export * from './infra';
export * from './role-process';

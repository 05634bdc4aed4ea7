export * from './infra';
export * from './role-process';
export * from './kafka-node';
export * from './free-port';
export * from './ferret-node';
export * from './role-output';
export * from './eventually';

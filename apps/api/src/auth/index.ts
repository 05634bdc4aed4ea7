export * from './access.decorators';
export * from './api-keys';
export * from './auth.guard';
export * from './auth.module';
export * from './authenticator';
export * from './jwt-verifier';
export * from './principal';
export * from './roles';

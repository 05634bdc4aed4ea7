import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, AUTHENTICATOR } from './auth.guard';
import type { Authenticator } from './authenticator';

/** The authenticator (built and checked before Nest starts) and the global guard. */
@Module({})
export class AuthModule {
  static forAuthenticator(authenticator: Authenticator): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: AUTHENTICATOR, useValue: authenticator }, { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [AUTHENTICATOR],
    };
  }
}

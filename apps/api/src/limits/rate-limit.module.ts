import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { rateLimitFor, type RapportConfig } from '@rapport/config';
import { CredentialThrottlerGuard } from './credential-throttler.guard';

/**
 * The per-credential rate limit, when one is in force (rateLimitFor). Import it
 * after AuthModule: global guards run in registration order, and the limiter
 * needs the principal the AuthGuard sets.
 */
@Module({})
export class RateLimitModule {
  static forConfig(config: RapportConfig): DynamicModule {
    const setting = rateLimitFor(config);
    if (!setting) return { module: RateLimitModule };
    return {
      module: RateLimitModule,
      imports: [ThrottlerModule.forRoot({ throttlers: [{ name: 'default', limit: setting.limit, ttl: setting.windowSeconds * 1000 }] })],
      providers: [{ provide: APP_GUARD, useClass: CredentialThrottlerGuard }],
    };
  }
}

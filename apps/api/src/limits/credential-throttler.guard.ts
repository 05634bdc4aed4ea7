// Rate limit per credential (issue 6, Limits): one budget per API-key name or
// JWT subject across all routes, per client IP when the server trusts every
// caller (loopback, no credentials). Registered after the AuthGuard, so it
// counts only requests whose credential was accepted and keys them by it.
import { ExecutionContext, Injectable } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { ACCESS_METADATA, type AccessRule } from '../auth/access.decorators';
import { principalOf } from '../auth/principal';
import { ProblemException } from '../http/problem';

@Injectable()
export class CredentialThrottlerGuard extends ThrottlerGuard {
  /** Health probes (every @Public route) are never limited. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    return rule?.kind === 'public';
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = principalOf(request);
    // Fail loudly rather than silently key a credential's requests by IP if the guard order ever changes.
    if (!principal) throw new Error('rate limit: no principal on the request; the AuthGuard must run before the throttler');
    return principal.via === 'none' ? `ip:${normalizeIp(String(request.ip), this.ipv6SubnetPrefix)}` : `credential:${principal.name}`;
  }

  /** One budget per caller, not one per route (the library's default key includes the handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new ProblemException(
      429,
      'RATE_LIMITED',
      'Too many requests',
      `At most ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s per credential; retry after ${retryAfter} s.`,
      [],
      { 'retry-after': String(retryAfter) },
    );
  }
}

// The global guard (APP_GUARD): every route must declare its access rule
// (@Public, @Authenticated or @Roles); a route that declares none is refused
// with 403 ROUTE_WITHOUT_ROLE in every mode. Then: no credential 401, a
// credential not accepted 401, the wrong role 403 (SPEC section 8).
import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem';
import { ACCESS_METADATA, type AccessRule } from './access.decorators';
import { Authenticator } from './authenticator';
import { ANONYMOUS_PRINCIPAL, setPrincipal, type Principal } from './principal';

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!rule || (rule.kind === 'roles' && rule.roles.length === 0)) {
      const route = `${context.getClass().name}.${context.getHandler().name}`;
      this.logger.error(`${route} declares no role: refused. Add @Roles(...), @Authenticated() or @Public().`);
      throw new ProblemException(403, 'ROUTE_WITHOUT_ROLE', 'Route without a role', 'This route declares no role, so nobody may call it.');
    }
    if (rule.kind === 'public') return true;

    if (!this.authenticator.required) {
      setPrincipal(request, ANONYMOUS_PRINCIPAL);
      return true;
    }

    const result = await this.authenticator.authenticate(request.headers);
    if (!result.ok) {
      if (result.failure === 'unavailable') {
        this.logger.error(`credential cannot be checked: ${result.reason}`);
        throw new ProblemException(503, 'AUTH_UNAVAILABLE', 'Credentials cannot be checked', `${result.reason}; retry shortly.`, [], { 'retry-after': '5' });
      }
      if (result.failure === 'invalid') this.logger.warn(`${request.method} ${request.url}: ${result.reason}`);
      throw new ProblemException(401, 'UNAUTHENTICATED', 'Authentication required', result.failure === 'missing' ? `This route needs a credential: ${this.authenticator.howToAuthenticate()}.` : `The credential was not accepted: ${result.reason}.`, [], {
        'www-authenticate': this.authenticator.challenge(result.failure === 'invalid' && request.headers.authorization ? result.reason : undefined),
      });
    }

    const principal = result.principal;
    if (!allows(rule, principal)) {
      const needed = rule.kind === 'roles' ? rule.roles.join(' or ') : 'any';
      const held = [...principal.roles].join(', ') || 'no role';
      throw new ProblemException(403, 'FORBIDDEN', 'Forbidden', `This route needs the role ${needed}; ${principal.name} has ${held}.`);
    }
    setPrincipal(request, principal);
    return true;
  }
}

function allows(rule: AccessRule, principal: Principal): boolean {
  if (rule.kind !== 'roles') return true;
  return principal.roles.has('admin') || rule.roles.some((role) => principal.roles.has(role));
}

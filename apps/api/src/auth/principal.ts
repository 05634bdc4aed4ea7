// Who is calling: set by the AuthGuard on every non-public request.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANONYMOUS_ACTOR } from '../http/actor';
import type { Role } from './roles';

export interface Principal {
  /** The API key's `name` or the JWT's actor claim (`sub` by default); recorded as `metadata.actor`. */
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly via: 'api-key' | 'jwt' | 'none';
}

/** Unauthenticated mode (loopback, no credentials configured): every caller is trusted. */
export const ANONYMOUS_PRINCIPAL: Principal = { name: ANONYMOUS_ACTOR, roles: new Set<Role>(['admin']), via: 'none' };

const principals = new WeakMap<object, Principal>();

export function setPrincipal(request: object, principal: Principal): void {
  principals.set(request, principal);
}

export function principalOf(request: object): Principal | undefined {
  return principals.get(request);
}

/**
 * The caller's name for `metadata.actor`. Never from the body; a route that
 * takes it without the guard having set a principal is a bug, not anonymous.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  if (!principal) throw new Error('no principal on this request: the route must declare @Roles(...)');
  return principal.name;
});

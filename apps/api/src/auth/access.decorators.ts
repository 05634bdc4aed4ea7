// Every route declares who may call it; the global AuthGuard refuses a route
// that declares nothing (403 ROUTE_WITHOUT_ROLE), so a forgotten decorator
// fails closed and fails every test that touches the route.
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from './roles';

export const ACCESS_METADATA = 'rapport:access';

/** Who may call a route: anyone, any valid credential, or a credential holding one of the roles (admin always may). */
export type AccessRule = { readonly kind: 'public' } | { readonly kind: 'authenticated' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

/** OpenAPI security scheme names, declared in app.factory.ts. */
export const API_KEY_SCHEME = 'apiKey';
export const BEARER_SCHEME = 'bearer';

function protectedRoute(rule: AccessRule, extension: readonly string[]) {
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, rule),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-rapport-roles', extension),
    ApiUnauthorizedResponse({ description: 'No credential, or one not accepted (problem+json, code UNAUTHENTICATED)' }),
    ApiForbiddenResponse({ description: 'The credential lacks the role (problem+json, code FORBIDDEN)' }),
  );
}

/** The route needs a credential holding one of these roles, or `admin`. */
export function Roles(...roles: [Role, ...Role[]]) {
  const allowed = [...new Set<Role>([...roles, 'admin'])];
  return protectedRoute({ kind: 'roles', roles: allowed }, allowed);
}

/** The route needs a valid credential, whatever its roles (e.g. a metrics scraper's key with no role). */
export function Authenticated() {
  return protectedRoute({ kind: 'authenticated' }, ['any credential']);
}

/** The route needs no credential, even in protected mode (health probes). */
export function Public() {
  return applyDecorators(SetMetadata(ACCESS_METADATA, { kind: 'public' } satisfies AccessRule), ApiExtension('x-rapport-roles', ['public']));
}

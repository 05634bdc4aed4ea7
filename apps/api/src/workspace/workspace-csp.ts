// The workspace's Content Security Policy (SPEC section 11): its own scripts,
// styles and icon only, requests back to this API only, no inline script, no
// eval, no framing. Applied to the /app/ routes instead of the API's lock-down
// policy, as /docs gets its own (limits/security-headers.ts).
type Directives = Record<string, string[]>;

export const WORKSPACE_CSP: Directives = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  // No 'unsafe-inline': charts set their styles through the CSSOM, which CSP does not govern.
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  // Forms are handled by script; none ever submits to a URL.
  formAction: ["'none'"],
};

/** The page, its assets, and the redirects to it. */
export function isWorkspaceRoute(url: string): boolean {
  return url === '/' || url === '/app' || url.startsWith('/app/');
}

/** Route-level @fastify/helmet options (read from the route's config, as for /docs). */
export const WORKSPACE_HELMET = { contentSecurityPolicy: { useDefaults: false, directives: WORKSPACE_CSP } } as const;
